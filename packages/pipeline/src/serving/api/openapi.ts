/**
 * The OpenAPI 3.1 document of the API. Request body schemas come from the same zod schemas that parse requests
 * (`z.toJSONSchema`), so the document cannot drift from the validation.
 */
import { z } from "zod";
import {
  ClassifyBodySchema,
  EmbeddingsBodySchema,
  IMAGE_MEDIA_TYPES,
  MAX_BODY_BYTES,
  MAX_IMAGES,
  MAX_NEIGHBOURS_K,
  NeighboursBodySchema,
} from "./api-request.js";
import { pathParams, ROUTES, type RouteId, type RouteSpec } from "./routes.js";

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: `error ${c}`, content: json(ref("Error")) }]),
  );

const rawImage = Object.fromEntries(
  IMAGE_MEDIA_TYPES.map((t) => [t, { schema: { type: "string", format: "binary" } }]),
);
const modelQuery = {
  name: "model",
  in: "query",
  schema: { type: "string" },
  description: "name[@version]; default backbone",
};
const imageQuery = [
  modelQuery,
  { name: "normalize", in: "query", schema: { type: "boolean", default: true } },
  { name: "topK", in: "query", schema: { type: "integer", minimum: 1, default: 5 } },
  { name: "threshold", in: "query", schema: { type: "number", minimum: 0, maximum: 1 } },
];
const neighbourQuery = [
  modelQuery,
  { name: "k", in: "query", schema: { type: "integer", minimum: 1, maximum: MAX_NEIGHBOURS_K, default: 5 } },
  { name: "thumbnails", in: "query", schema: { type: "boolean", default: false } },
];

const schemas = {
  EmbeddingsRequest: z.toJSONSchema(EmbeddingsBodySchema, { io: "input" }),
  ClassifyRequest: z.toJSONSchema(ClassifyBodySchema, { io: "input" }),
  NeighboursRequest: z.toJSONSchema(NeighboursBodySchema, { io: "input" }),
  NeighboursResponse: {
    type: "object",
    required: ["model", "version", "results"],
    properties: {
      model: { type: "string" },
      version: { type: "string" },
      results: {
        type: "array",
        description: "one entry per request image, in order",
        items: {
          type: "object",
          required: ["neighbours"],
          properties: {
            neighbours: {
              type: "array",
              description: "the k stored validation images most similar to the image (cosine), best first",
              items: {
                type: "object",
                required: ["key", "label", "similarity"],
                properties: {
                  key: { type: "string", description: "the image's key in the training dataset" },
                  label: { type: "string" },
                  similarity: { type: "number" },
                  thumbnail: { type: "string", description: "data:image/jpeg;base64,… (with `thumbnails`)" },
                },
              },
            },
          },
        },
      },
    },
  },
  EmbeddingsResponse: {
    type: "object",
    required: ["model", "version", "dim", "embeddings"],
    properties: {
      model: { type: "string" },
      version: { type: "string" },
      dim: { type: "integer" },
      embeddings: { type: "array", items: { type: "array", items: { type: "number" } } },
    },
  },
  ClassifyResponse: {
    type: "object",
    required: ["model", "version", "results"],
    properties: {
      model: { type: "string" },
      version: { type: "string" },
      results: {
        type: "array",
        items: {
          type: "object",
          properties: {
            predictions: {
              type: "array",
              items: { type: "object", properties: { label: { type: "string" }, score: { type: "number" } } },
            },
            unknown: { type: "boolean" },
            threshold: {
              type: "object",
              description:
                "what decided `unknown`: the request's threshold, the top label's F1-maximising threshold, the centroid distance or the model's",
              properties: {
                source: { type: "string", enum: ["request", "label", "centroids", "model", "prototypes"] },
                value: { type: "number" },
              },
            },
          },
        },
      },
    },
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string" },
          message: { type: "string" },
          issues: { type: "array", items: { type: "object" } },
        },
      },
    },
  },
};

/** The request and response schemas of the image routes, by route id. */
const IMAGE_SCHEMAS: Partial<Record<RouteId, { req: string; res: string; query: object[] }>> = {
  embeddings: { req: "EmbeddingsRequest", res: "EmbeddingsResponse", query: imageQuery },
  classify: { req: "ClassifyRequest", res: "ClassifyResponse", query: imageQuery },
  neighbours: { req: "NeighboursRequest", res: "NeighboursResponse", query: neighbourQuery },
};

function imageOp(summary: string, req: string, res: string, query: object[]) {
  return {
    post: {
      summary: `${summary} (at most ${MAX_IMAGES} images, ${MAX_BODY_BYTES} bytes per request)`,
      parameters: query,
      requestBody: { required: true, content: { ...json(ref(req)), ...rawImage } },
      responses: { "200": { description: "ok", content: json(ref(res)) }, ...errors(400, 404, 413, 415) },
    },
  };
}

const ARCHIVE_TYPES = [
  "application/zip",
  "application/x-tar",
  "application/gzip",
  "application/octet-stream",
];

function uploadOp(route: RouteSpec) {
  return {
    post: {
      summary: `${route.summary} (at most ${MAX_BODY_BYTES} bytes)`,
      parameters: [{ name: "name", in: "query", required: true, schema: { type: "string" } }],
      requestBody: {
        required: true,
        content: Object.fromEntries(
          ARCHIVE_TYPES.map((t) => [t, { schema: { type: "string", format: "binary" } }]),
        ),
      },
      responses: {
        "200": {
          description: "written to datasets/; the job id to follow",
          content: json({
            type: "object",
            required: ["key", "bytes"],
            properties: { key: { type: "string" }, bytes: { type: "integer" }, jobId: { type: "string" } },
          }),
        },
        ...errors(400, 413),
      },
    },
  };
}

function getOp(route: RouteSpec) {
  return {
    get: {
      summary: route.summary,
      parameters: pathParams(route.path).map((name) => ({
        name,
        in: "path",
        required: true,
        schema: { type: "string" },
      })),
      responses: {
        "200": { description: "ok", content: json({ type: "object" }) },
        ...errors(...(route.id === "readyz" ? [503] : [400, 404])),
      },
    },
  };
}

function operation(route: RouteSpec) {
  const image = IMAGE_SCHEMAS[route.id];
  if (image) return imageOp(route.summary, image.req, image.res, image.query);
  return route.id === "upload" ? uploadOp(route) : getOp(route);
}

/**
 * The OpenAPI 3.1 document: one path per route of the table, request schemas from the parsing zod schemas.
 * @example
 * const doc = openApiDocument(); // doc.openapi === "3.1.0"
 */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) paths[route.path] = { ...paths[route.path], ...operation(route) };
  return {
    openapi: "3.1.0",
    info: {
      title: "Residual API",
      version: "1.0.0",
      description: "Embeddings and classes from ResNet models.",
    },
    paths,
    components: { schemas },
  };
}
