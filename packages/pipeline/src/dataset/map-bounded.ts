/**
 * Order-preserving `map` with at most `limit` calls in flight (store reads and libvips decodes are both
 * I/O-or-threadpool bound, so a small fixed window saturates them without unbounded memory).
 */

/**
 * @example
 * const sizes = await mapBounded(keys, 8, async (k) => (await store.head(k))?.size);
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
