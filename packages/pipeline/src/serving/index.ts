// Serving core: request parsing, model cache, engines behind it, response shaping, the route table.
export type { ApiRequest, ImageRef, ParsedRequest } from "./api/api-request.js";
export {
  ClassifyBodySchema,
  EmbeddingsBodySchema,
  IMAGE_MEDIA_TYPES,
  MAX_BODY_BYTES,
  MAX_IMAGES,
  parseApiRequest,
} from "./api/api-request.js";
export type { ApiResponse, ApiRoute, RouteContext } from "./api/api-routes.js";
export { API_ROUTES, dispatch, runRoute } from "./api/api-routes.js";
export type { ErrorBody } from "./api/error-response.js";
export { errorResponse } from "./api/error-response.js";
export { openApiDocument } from "./api/openapi.js";
export type { ModelBundle } from "./model-bundle.js";
export { loadModelBundle } from "./model-bundle.js";
export { ModelCache } from "./model-cache.js";
export { ResolveCache } from "./resolve-cache.js";
export type { ClassifyResponse, EmbeddingsResponse, ServingCoreOptions } from "./serving-core.js";
export { ServingCore } from "./serving-core.js";
export type { ClassifyResult, Prediction } from "./shape-results.js";
export { classifyRows, embeddingRows, softmax } from "./shape-results.js";
