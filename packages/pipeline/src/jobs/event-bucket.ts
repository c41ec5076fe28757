/**
 * Which store an upload event belongs to. A queue may carry events for a bucket the worker was not pointed at (no
 * `--store`, or the wrong one): such an event must never be looked up in, or recorded into, the worker's own store.
 * The worker either serves the event's bucket (when it was given no store of its own and may open any bucket) or
 * leaves the message, with the reason `wrong_bucket`, for the right worker or the dead-letter queue.
 */
import type { ObjectStore } from "../store/object-store.js";

/** The bucket name local-mode events carry (the dataset watcher's and `residual demo`'s). */
export const LOCAL_BUCKET = "local";

/**
 * Picks the store for an event's bucket, or undefined when this worker must not handle that bucket.
 * @example
 * const pick: StoreForBucket = (bucket) => (bucket === "residual-data" ? store : undefined);
 */
export type StoreForBucket = (bucket: string) => ObjectStore | undefined;

/**
 * The bucket name a store's events carry: `s3://<bucket>/…` → `<bucket>`; a directory store → `local`.
 * @example
 * storeBucketName(openObjectStore("s3://residual-data/prod")); // "residual-data"
 */
export function storeBucketName(store: ObjectStore): string {
  return store.url.startsWith("s3://") ? (store.url.slice(5).split("/")[0] ?? "") : LOCAL_BUCKET;
}

/**
 * Only the worker's own store: events for any other bucket are refused.
 * @example
 * const pick = onlyOwnBucket(store); pick("other-bucket"); // undefined
 */
export function onlyOwnBucket(store: ObjectStore): StoreForBucket {
  const own = storeBucketName(store);
  return (bucket) => (bucket === own ? store : undefined);
}

/**
 * The worker's own store for its bucket, and for any other S3 bucket the store `open` returns (cached per
 * bucket): for a worker that was given no store and serves whatever bucket its queue announces.
 * @example
 * const pick = servingEventBuckets(store, (b) => openObjectStore(`s3://${b}`));
 */
export function servingEventBuckets(
  store: ObjectStore,
  open: (bucket: string) => ObjectStore,
): StoreForBucket {
  const own = onlyOwnBucket(store);
  const opened = new Map<string, ObjectStore>();
  return (bucket) => {
    const mine = own(bucket);
    if (mine || bucket === LOCAL_BUCKET) return mine;
    const known = opened.get(bucket);
    if (known) return known;
    const s = open(bucket);
    opened.set(bucket, s);
    return s;
  };
}
