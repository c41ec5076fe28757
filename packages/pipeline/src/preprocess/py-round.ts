/**
 * Python's `round()` (half to even), which torchvision's geometry uses: `int(round(...))` in CenterCrop's offsets
 * and RandomResizedCrop's box size. JavaScript's `Math.round` rounds halves up, which moves a crop by one pixel.
 *
 * @example
 * roundHalfEven(2.5) // 2
 * roundHalfEven(3.5) // 4
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
