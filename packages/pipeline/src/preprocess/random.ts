/**
 * A small seeded PRNG (sfc32 seeded through splitmix-style mixing). Training randomness is derived from
 * `(seed, epoch, sampleIndex)` so each sample's augmentation is reproducible regardless of worker scheduling.
 */

/** A deterministic random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi) (like `torch.randint(lo, hi)`). */
  int(lo: number, hi: number): number;
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashKey(parts: ReadonlyArray<number | string>): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const s = typeof p === "number" ? `n${p}` : `s${p}`;
    for (let i = 0; i < s.length; i++) h = mix32(h ^ s.charCodeAt(i)) + 0x6d2b79f5;
    h = mix32(h ^ 0xff);
  }
  return h >>> 0;
}

/**
 * Creates a PRNG keyed by any sequence of numbers/strings.
 *
 * @example
 * const rng = createRng(42, epoch, sampleIndex);
 * const coin = rng.next() < 0.5;
 */
export function createRng(...key: Array<number | string>): Rng {
  const h = hashKey(key);
  let a = mix32(h ^ 0x1234567);
  let b = mix32(h ^ 0x89abcdef);
  let c = mix32(h ^ 0x0f0f0f0f);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
  };
}

/**
 * Fisher–Yates shuffle of `0..n-1` with the given PRNG.
 *
 * @example
 * const order = permutation(10, createRng(1, epoch));
 */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
