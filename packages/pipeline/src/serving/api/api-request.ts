/**
 * Parsing of API request bodies (zod at the edge), shared by the local server and the Lambda handlers:
 * a raw `image/jpeg|png|webp` body, or JSON `{ model?, images: [{ base64 } | { s3 }], normalize?, topK?, threshold? }`
 * (`/v1/neighbours`: `{ model?, images, k?, thumbnails? }`).
 */
import { z } from "zod";
import {
  InvalidInputError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  zodIssues,
} from "../../errors.js";
import { assertAllowedImage } from "../../preprocess/image-format.js";

/** API Gateway → Lambda payloads are capped at 6 MB; the local server applies the same limit. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Images per request. */
export const MAX_IMAGES = 32;
export const IMAGE_MEDIA_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

const ImageRefSchema = z.union([
  z.object({ base64: z.string().min(1) }).strict(),
  z.object({ s3: z.string().regex(/^s3:\/\/[^/]+\/.+/, "must be s3://bucket/key") }).strict(),
]);
const BaseBody = {
  model: z.string().min(1).max(200).optional(),
  images: z.array(ImageRefSchema).min(1),
};
export const EmbeddingsBodySchema = z.object({ ...BaseBody, normalize: z.boolean().default(true) }).strict();
export const ClassifyBodySchema = z
  .object({
    ...BaseBody,
    topK: z.number().int().min(1).max(1000).default(5),
    threshold: z.number().min(0).max(1).optional(),
  })
  .strict();

/** Neighbours per image at most. */
export const MAX_NEIGHBOURS_K = 50;
export const NeighboursBodySchema = z
  .object({
    ...BaseBody,
    k: z.number().int().min(1).max(MAX_NEIGHBOURS_K).default(5),
    thumbnails: z.boolean().default(false),
  })
  .strict();

/**
 * Which body a route parses.
 * @example
 * const kind: RequestKind = "neighbours";
 */
export type RequestKind = "embeddings" | "classify" | "neighbours";

const SCHEMAS = {
  embeddings: EmbeddingsBodySchema,
  classify: ClassifyBodySchema,
  neighbours: NeighboursBodySchema,
} as const;

export type ImageRef = { bytes: Buffer } | { s3: string };

export interface ParsedRequest {
  model?: string;
  images: ImageRef[];
  normalize: boolean;
  topK: number;
  threshold?: number;
  /** `/v1/neighbours`: neighbours per image (1–50). */
  k?: number;
  /** `/v1/neighbours`: include each neighbour's stored thumbnail as a data URL. */
  thumbnails?: boolean;
}

/** What an HTTP front end hands over: body bytes, content type and query string. */
export interface ApiRequest {
  contentType?: string;
  body: Buffer;
  query: Readonly<Record<string, string | undefined>>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of a base64 image, checked against the allow-list and the data URL's type when it has one. */
function decodeBase64(value: string, index: number): Buffer {
  const declared = /^data:([^;,]+);base64,/.exec(value)?.[1];
  const clean = value.replace(/^data:[^;,]+;base64,/, "").replace(/\s+/g, "");
  if (clean.length % 4 !== 0 || !BASE64.test(clean)) {
    throw new InvalidInputError("invalid_base64", `images[${index}].base64 is not valid base64`, {
      issues: [{ path: ["images", index, "base64"], code: "invalid_base64", message: "not valid base64" }],
    });
  }
  const bytes = Buffer.from(clean, "base64");
  assertAllowedImage(bytes, { where: `images[${index}]`, ...(declared ? { declared } : {}) });
  return bytes;
}

function queryNumber(query: ApiRequest["query"], key: string): number | undefined {
  const raw = query[key];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n))
    throw new InvalidInputError("invalid_query", `query parameter ${key} must be a number`);
  return n;
}

function parseJson(req: ApiRequest, kind: RequestKind): ParsedRequest {
  let json: unknown;
  try {
    json = JSON.parse(req.body.toString("utf8"));
  } catch (err) {
    throw new InvalidInputError(
      "malformed_json",
      `request body is not valid JSON: ${(err as Error).message}`,
    );
  }
  const parsed = SCHEMAS[kind].safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError("invalid_request", "request body does not match the schema", {
      issues: zodIssues(parsed.error),
    });
  }
  // The union of the three bodies' fields (each schema fills its own defaults).
  const body = parsed.data as z.infer<typeof EmbeddingsBodySchema> &
    Partial<z.infer<typeof ClassifyBodySchema> & z.infer<typeof NeighboursBodySchema>>;
  if (body.images.length > MAX_IMAGES) {
    throw new PayloadTooLargeError(
      "too_many_images",
      `${body.images.length} images; at most ${MAX_IMAGES} per request`,
    );
  }
  return {
    ...(body.model !== undefined ? { model: body.model } : {}),
    images: body.images.map((im, i) =>
      "base64" in im ? { bytes: decodeBase64(im.base64, i) } : { s3: im.s3 },
    ),
    normalize: body.normalize ?? true,
    topK: body.topK ?? 5,
    ...(body.threshold !== undefined ? { threshold: body.threshold } : {}),
    ...(body.k !== undefined ? { k: body.k } : {}),
    ...(body.thumbnails !== undefined ? { thumbnails: body.thumbnails } : {}),
  };
}

/** `?k=` and `?thumbnails=` of a raw-body `/v1/neighbours` request. */
function rawNeighbourOptions(query: ApiRequest["query"]): { k: number; thumbnails: boolean } {
  const k = queryNumber(query, "k") ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > MAX_NEIGHBOURS_K)
    throw new InvalidInputError("invalid_query", `k must be an integer from 1 to ${MAX_NEIGHBOURS_K}`);
  const t = query.thumbnails;
  return { k, thumbnails: t === "true" || t === "1" };
}

function parseRaw(req: ApiRequest, declared: string, kind: RequestKind): ParsedRequest {
  assertAllowedImage(req.body, { declared, where: "images[0]" });
  const normalize = req.query.normalize;
  const topK = queryNumber(req.query, "topK") ?? 5;
  const threshold = queryNumber(req.query, "threshold");
  if (!Number.isInteger(topK) || topK < 1)
    throw new InvalidInputError("invalid_query", "topK must be a positive integer");
  if (threshold !== undefined && (threshold < 0 || threshold > 1)) {
    throw new InvalidInputError("invalid_query", "threshold must be between 0 and 1");
  }
  return {
    ...(req.query.model ? { model: req.query.model } : {}),
    images: [{ bytes: req.body }],
    normalize: normalize !== "false" && normalize !== "0",
    topK,
    ...(threshold !== undefined ? { threshold } : {}),
    ...(kind === "neighbours" ? rawNeighbourOptions(req.query) : {}),
  };
}

/**
 * Parse a request for `/v1/embeddings`, `/v1/classify` or `/v1/neighbours`; throws 400/413/415-mapped errors. Image bytes (raw
 * bodies and base64) must be JPEG, PNG or WebP by their magic bytes and match a declared type
 * (`unsupported_media_type` 415, `media_type_mismatch` 400).
 * @example
 * const parsed = parseApiRequest("embeddings", { contentType: "image/jpeg", body, query: {} });
 */
export function parseApiRequest(kind: RequestKind, req: ApiRequest): ParsedRequest {
  if (req.body.length > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      "body_too_large",
      `request body is ${req.body.length} bytes; limit ${MAX_BODY_BYTES}`,
    );
  }
  const type = (req.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return parseJson(req, kind);
  if ((IMAGE_MEDIA_TYPES as readonly string[]).includes(type)) {
    if (req.body.length === 0) throw new InvalidInputError("empty_body", "image body is empty");
    return parseRaw(req, type, kind);
  }
  throw new UnsupportedMediaTypeError(
    "unsupported_media_type",
    `Content-Type "${type || "(none)"}" is not supported; send application/json or ${IMAGE_MEDIA_TYPES.join(", ")}`,
  );
}
