/**
 * The ObjectStore over Amazon S3 (or any S3-compatible server via a custom endpoint).
 *
 * - Small bodies are one PutObject; streams and bodies above `multipartThreshold` go through lib-storage `Upload`
 *   (multipart for more than one part, aborted on failure).
 * - `ifAbsent` sends `If-None-Match: *` and `ifMatch` sends `If-Match: <etag>` (S3 conditional writes, 2024), also on
 *   CompleteMultipartUpload, so S3 itself decides the race; a lost race is ConflictError `already_exists` /
 *   `precondition_failed`. moto 5.2 honours the header on both
 *   PutObject and CompleteMultipartUpload (412 PreconditionFailed), which the integration tests prove.
 * - ETags are reported without S3's quotes; multipart objects have S3's `<hex>-<parts>` form, not a content MD5.
 * - `lastModified` returned by `put` is the client's clock (S3 does not return it); `head` reports S3's.
 */

import { type Readable, Transform } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ConflictError, type ResidualError, TransientError } from "../errors.js";
import { mapAwsError } from "./aws-errors.js";
import { bodyBytes, isReadable, normalizeEtag, type PutBody } from "./body.js";
import { assertValidKey, assertValidPrefix } from "./keys.js";
import { listAll } from "./list-all.js";
import type { ListPage, ObjectInfo, ObjectStore, PutOptions } from "./object-store.js";
import { pageLimit } from "./page-token.js";
import type { PortableStore } from "./portable-store.js";
import {
  createS3Client,
  parseS3Config,
  type ResolvedS3Config,
  type S3ObjectStoreConfig,
} from "./s3-config.js";

/** A lost `ifMatch` write (412, or 404 when the object is gone) is ConflictError `precondition_failed`. */
function putError(mapped: ResidualError, options: PutOptions): ResidualError {
  if (options.ifMatch === undefined) return mapped;
  if (mapped.code !== "already_exists" && mapped.code !== "object_not_found") return mapped;
  return new ConflictError(
    "precondition_failed",
    `${mapped.message.replace(/: (an object already exists at the key|no such object)\.$/, "")}: the object changed (its ETag is no longer ${options.ifMatch}).`,
    { cause: mapped },
  );
}

/** Counts bytes of a streamed body so `put` can report the size without buffering. */
function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * An ObjectStore over one bucket and optional key prefix.
 *
 * @example
 * const store = new S3ObjectStore({ bucket: "residual-data", prefix: "prod" });
 * await store.put("jobs/42/status.json", "{}", { ifAbsent: true, contentType: "application/json" });
 */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly config: ResolvedS3Config;

  constructor(private readonly given: S3ObjectStoreConfig) {
    this.config = parseS3Config(given);
    this.bucket = this.config.bucket;
    this.prefix = this.config.prefix;
    this.client = createS3Client(this.config);
    this.url = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ""}`;
  }

  portable(): PortableStore {
    const { client: _client, ...config } = this.given;
    return { kind: "s3", config };
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private describe(op: string, key: string): string {
    return `${op} s3://${this.bucket}/${this.prefix ? `${this.prefix}/` : ""}${key}`;
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      throw mapAwsError(err, this.describe("GetObject", key));
    }
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return res.Body as Readable;
    } catch (err) {
      throw mapAwsError(err, this.describe("GetObject", key));
    }
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    const Key = this.fullKey(key);
    // S3 answers 409 ConditionalRequestConflict while another conditional write to the key is in flight: retrying
    // lets S3 settle the race into a success or a 412.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.putOnce(key, Key, body, options);
      } catch (err) {
        const mapped = putError(mapAwsError(err, this.describe("PutObject", key)), options);
        const retryable = mapped instanceof TransientError && mapped.code === "conditional_conflict";
        if (!retryable || attempt >= 4 || isReadable(body)) throw mapped;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  private async putOnce(key: string, Key: string, body: PutBody, options: PutOptions): Promise<ObjectInfo> {
    const common = {
      Bucket: this.bucket,
      Key,
      ContentType: options.contentType,
      IfNoneMatch: options.ifAbsent ? "*" : undefined,
      IfMatch: options.ifMatch === undefined ? undefined : `"${options.ifMatch}"`,
      Tagging: options.tags ? new URLSearchParams(options.tags).toString() : undefined,
    };
    if (!isReadable(body)) {
      const bytes = bodyBytes(body);
      if (bytes.length <= this.config.multipartThreshold) {
        const res = await this.client.send(new PutObjectCommand({ ...common, Body: bytes }));
        return this.info(key, bytes.length, res.ETag, options.contentType);
      }
      return this.upload(key, { ...common, Body: bytes }, () => bytes.length, options.contentType);
    }
    const counter = byteCounter();
    body.on("error", (err) => counter.destroy(err));
    return this.upload(
      key,
      { ...common, Body: body.pipe(counter) },
      () => counter.bytes,
      options.contentType,
    );
  }

  private async upload(
    key: string,
    params: ConstructorParameters<typeof PutObjectCommand>[0],
    size: () => number,
    contentType: string | undefined,
  ): Promise<ObjectInfo> {
    const upload = new Upload({
      client: this.client,
      params,
      partSize: this.config.partSize,
      queueSize: this.config.queueSize,
      leavePartsOnError: false,
    });
    const res = await upload.done();
    return this.info(key, size(), res.ETag, contentType);
  }

  private info(
    key: string,
    size: number,
    etag: string | undefined,
    contentType: string | undefined,
  ): ObjectInfo {
    return { key, size, etag: normalizeEtag(etag), lastModified: new Date(), contentType };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        key,
        size: res.ContentLength ?? 0,
        etag: normalizeEtag(res.ETag),
        lastModified: res.LastModified ?? new Date(0),
        contentType: res.ContentType,
        ...(res.VersionId && res.VersionId !== "null" ? { versionId: res.VersionId } : {}),
      };
    } catch (err) {
      const mapped = mapAwsError(err, this.describe("HeadObject", key));
      if (mapped.code === "object_not_found") return undefined;
      throw mapped;
    }
  }

  async listPage(prefix: string, options: { token?: string; limit?: number } = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    const limit = pageLimit(options.limit);
    const base = this.prefix ? `${this.prefix}/` : "";
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: base + prefix,
          MaxKeys: limit,
          ContinuationToken: options.token,
        }),
      );
      const objects = (res.Contents ?? []).map(
        (o): ObjectInfo => ({
          key: (o.Key ?? "").slice(base.length),
          size: o.Size ?? 0,
          etag: normalizeEtag(o.ETag),
          lastModified: o.LastModified ?? new Date(0),
        }),
      );
      return res.IsTruncated && res.NextContinuationToken
        ? { objects, nextToken: res.NextContinuationToken }
        : { objects };
    } catch (err) {
      throw mapAwsError(err, this.describe("ListObjectsV2", prefix));
    }
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return listAll((p, o) => this.listPage(p, o), prefix);
  }

  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      throw mapAwsError(err, this.describe("DeleteObject", key));
    }
  }
}
