/**
 * Fetch the bytes of request images: inline bytes as-is, `s3://` objects only from the serving store's bucket
 * (and under its prefix), so the API cannot be used to read arbitrary buckets. Every image's bytes are checked
 * against the format allow-list (JPEG, PNG, WebP by magic bytes) before any decoder sees them.
 */
import { InvalidInputError, NotFoundError } from "../errors.js";
import { assertAllowedImage } from "../preprocess/image-format.js";
import type { ObjectStore } from "../store/object-store.js";
import type { ImageRef } from "./api/api-request.js";

function keyInStore(store: ObjectStore, url: string, index: number): string {
  const base = store.url.endsWith("/") ? store.url : `${store.url}/`;
  if (!store.url.startsWith("s3://") || !url.startsWith(base)) {
    throw new InvalidInputError(
      "s3_not_allowed",
      `images[${index}].s3: only objects under ${store.url.startsWith("s3://") ? base : "the configured S3 bucket"} can be read`,
    );
  }
  const key = url.slice(base.length);
  if (key.length === 0 || key.split("/").some((s) => s === ".." || s === "." || s === "")) {
    throw new InvalidInputError("s3_not_allowed", `images[${index}].s3: invalid key "${key}"`);
  }
  return key;
}

/**
 * The request's image bytes. Each is checked against the format allow-list here unless `tolerant` (bulk runs):
 * then the decoder's own check reports a bad image alone instead of failing the batch.
 * @example
 * const buffers = await imageBytes(store, [{ bytes }, { s3: "s3://bucket/uploads/cat.jpg" }], 6 * 2 ** 20);
 */
export async function imageBytes(
  store: ObjectStore,
  images: ImageRef[],
  maxBytes: number,
  tolerant = false,
): Promise<Buffer[]> {
  return Promise.all(
    images.map(async (im, i) => {
      if ("bytes" in im) {
        if (!tolerant) assertAllowedImage(im.bytes, { where: `images[${i}]` });
        return im.bytes;
      }
      const key = keyInStore(store, im.s3, i);
      const info = await store.head(key);
      if (!info) throw new NotFoundError("image_not_found", `images[${i}].s3: ${im.s3} does not exist`);
      if (info.size > maxBytes) {
        throw new InvalidInputError(
          "image_too_large",
          `images[${i}].s3 is ${info.size} bytes; limit ${maxBytes}`,
        );
      }
      const bytes = await store.get(key);
      if (!tolerant) assertAllowedImage(bytes, { where: `images[${i}].s3` });
      return bytes;
    }),
  );
}
