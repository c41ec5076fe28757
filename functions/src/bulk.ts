/**
 * Lambda — one batch of the bulk state machine's Distributed Map (ItemBatcher input `{ Items, BatchInput }`): the
 * serving core of the API Lambdas (same image, ONNX Runtime on the handler's thread) embeds or classifies the
 * batch and writes one part. Thin: parse, run the pipeline's batch function, return the part's counts (the
 * failures stay in the part summary, so map results stay small). A malformed event fails the child execution;
 * unreadable images never do.
 */
import { openObjectStore, parseBulkBatchEvent, runBulkBatch } from "@residual/pipeline/serving";
import type { Context } from "aws-lambda";
import { apiLogger, servingCore } from "./http/serving-core.js";

const logger = apiLogger("residual-bulk");
const { core, config } = servingCore();
const stores = new Map<string, ReturnType<typeof openObjectStore>>();

function store(location: string) {
  let s = stores.get(location);
  if (!s) {
    const { s3Endpoint, region } = config.aws;
    s = openObjectStore(location, {
      ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
      ...(region ? { region } : {}),
    });
    stores.set(location, s);
  }
  return s;
}

export async function handler(event: unknown, context?: Pick<Context, "awsRequestId">) {
  logger.appendKeys({ requestId: context?.awsRequestId });
  const { Items, BatchInput: spec } = parseBulkBatchEvent(event);
  const summary = await runBulkBatch(Items, { core, source: store(spec.source), out: store(spec.out), spec });
  logger.info("bulk batch", {
    part: summary.part,
    input: summary.input,
    done: summary.done,
    skipped: summary.skipped,
  });
  return { part: summary.part, input: summary.input, done: summary.done, failed: summary.failed.length };
}
