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
} from "./api-request.js";

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: `error ${c}`, content: json(ref("Error")) }]),
  );

const rawImage = Object.fromEntries(
  IMAGE_MEDIA_TYPES.map((t) => [t, { schema: { type: "string", format: "binary" } }]),
);
const imageQuery = [
  { name: "model", in: "query", schema: { type: "string" }, description: "name[@version]; default backbone" },
  { name: "normalize", in: "query", schema: { type: "boolean", default: true } },
  { name: "topK", in: "query", schema: { type: "integer", minimum: 1, default: 5 } },
  { name: "threshold", in: "query", schema: { type: "number", minimum: 0, maximum: 1 } },
];

const schemas = {
  EmbeddingsRequest: z.toJSONSchema(EmbeddingsBodySchema, { io: "input" }),
  ClassifyRequest: z.toJSONSchema(ClassifyBodySchema, { io: "input" }),
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

function imageOp(summary: string, req: string, res: string) {
  return {
    post: {
      summary: `${summary} (at most ${MAX_IMAGES} images, ${MAX_BODY_BYTES} bytes per request)`,
      parameters: imageQuery,
      requestBody: { required: true, content: { ...json(ref(req)), ...rawImage } },
      responses: { "200": { description: "ok", content: json(ref(res)) }, ...errors(400, 404, 413, 415) },
    },
  };
}

const getOp = (summary: string, params: string[] = []) => ({
  get: {
    summary,
    parameters: params.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    responses: { "200": { description: "ok", content: json({ type: "object" }) }, ...errors(400, 404) },
  },
});

/**
 * @example
 * const doc = openApiDocument(); // doc.openapi === "3.1.0"
 */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Residual API",
      version: "1.0.0",
      description: "Embeddings and classes from ResNet models.",
    },
    paths: {
      "/v1/embeddings": imageOp("Image embeddings", "EmbeddingsRequest", "EmbeddingsResponse"),
      "/v1/classify": imageOp("Classify images", "ClassifyRequest", "ClassifyResponse"),
      "/v1/models": getOp("List published models"),
      "/v1/models/{name}": getOp("Describe a model (versions, labels, metrics)", ["name"]),
      "/v1/jobs/{id}": getOp("A training job's status.json", ["id"]),
      "/healthz": getOp("Liveness and loaded models"),
      "/openapi.json": getOp("This document"),
    },
    components: { schemas },
  };
}
