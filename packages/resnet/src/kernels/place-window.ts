/**
 * Moves an NHWC map into a window of another size: pads where the window reaches past the map and crops where it
 * stops short, on both spatial axes with one pad and one slice. The gradient kernels use it to frame `dy` for a
 * full correlation and to cut the input-sized gradient out of a padded one.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Pads `before` (negative: crops) then keeps `size` positions: the pads to apply and the slice start. */
function extent(length: number, before: number, size: number) {
  const padBefore = Math.max(before, 0);
  const start = Math.max(-before, 0);
  const padAfter = Math.max(start + size - (length + padBefore), 0);
  return { padBefore, padAfter, start };
}

/**
 * The `[N, outH, outW, C]` window whose top-left corner lies `beforeH`/`beforeW` positions before `t`'s
 * (negative: inside `t`). Positions outside `t` hold `fill`.
 *
 * @example
 * ```ts
 * placeWindow(tf.ones([1, 2, 2, 1]), 1, 1, 4, 4); // a 4×4 map with the 2×2 ones in its centre
 * ```
 */
export function placeWindow(
  t: tf.Tensor4D,
  beforeH: number,
  beforeW: number,
  outH: number,
  outW: number,
  fill = 0,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = t.shape;
    const a = extent(h, beforeH, outH);
    const b = extent(w, beforeW, outW);
    const padded =
      a.padBefore + a.padAfter + b.padBefore + b.padAfter === 0
        ? t
        : tf.pad(
            t,
            [
              [0, 0],
              [a.padBefore, a.padAfter],
              [b.padBefore, b.padAfter],
              [0, 0],
            ],
            fill,
          );
    if (a.start === 0 && b.start === 0 && padded.shape[1] === outH && padded.shape[2] === outW) {
      return padded;
    }
    return tf.slice(padded, [0, a.start, b.start, 0], [-1, outH, outW, -1]);
  });
}
