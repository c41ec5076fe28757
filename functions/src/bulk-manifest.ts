/**
 * Lambda — the bulk state machine's last state: aggregate the part summaries of the run under `out` into the
 * `_SUCCESS` manifest (every part, counts, failed keys with reasons). Thin: parse the execution input, call the
 * pipeline, return the counts.
 */
import { openObjectStore, parseBulkSpec, writeBulkManifest } from "@residual/pipeline/serving";
import type { Context } from "aws-lambda";
import { apiLogger, servingCore } from "./http/serving-core.js";

const logger = apiLogger("residual-bulk-manifest");
const { config } = servingCore();

export async function handler(event: unknown, context?: Pick<Context, "awsRequestId">) {
  logger.appendKeys({ requestId: context?.awsRequestId });
  // The execution input carries a `manifestKey` when the run read a CSV/inventory manifest: not part of the spec.
  const { manifestKey: _, ...input } = (event ?? {}) as Record<string, unknown>;
  const spec = parseBulkSpec(input);
  const { s3Endpoint, region } = config.aws;
  const out = openObjectStore(spec.out, {
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    ...(region ? { region } : {}),
  });
  const manifest = await writeBulkManifest(out, spec);
  logger.info("bulk manifest", { out: spec.out, ...manifest.counts, parts: manifest.parts.length });
  return { out: spec.out, parts: manifest.parts.length, counts: manifest.counts };
}
