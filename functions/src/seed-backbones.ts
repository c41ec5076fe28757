/**
 * Lambda — the `Custom::ResidualBackbones` resource of the stack: on Create and Update, seed the pretrained
 * backbones named in its `Tags` property into `backbones/<arch.tag>/` of the data bucket (a backbone already
 * there is skipped, so an update costs a HEAD per tag); on Delete, nothing (the bucket keeps its data). Thin:
 * parse the event, call the pipeline's `seedBackbones`, answer CloudFormation (always, see cfn-response.ts).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import {
  type Config,
  isResidualError,
  loadConfig,
  openObjectStore,
  seedBackbones,
} from "@residual/pipeline/seed";
import type { CloudFormationCustomResourceEvent, Context } from "aws-lambda";
import { answerCustomResource, type CustomResourceResult } from "./cfn-response.js";

const logger = new Logger({ serviceName: "residual-seed-backbones" });
let config: Config<"worker"> | undefined;
/** Parsed on first use, not at init: a bad variable must become a FAILED answer, not a silent init error. */
const workerConfig = (): Config<"worker"> => {
  config ??= loadConfig("worker");
  return config;
};

/** The resource's `Tags` property: a list of arch.tags (the stack validates them against the registry). */
function tagsOf(event: CloudFormationCustomResourceEvent): string[] {
  const tags: unknown = event.ResourceProperties.Tags;
  if (
    !Array.isArray(tags) ||
    tags.length === 0 ||
    !tags.every((t) => typeof t === "string" && t.length > 0)
  ) {
    throw new Error(`Tags must be a non-empty list of arch.tags (got ${JSON.stringify(tags)})`);
  }
  return tags;
}

async function seed(
  event: CloudFormationCustomResourceEvent,
  signal: AbortSignal,
): Promise<CustomResourceResult> {
  // Delete keeps the bucket's data and needs nothing, so a stack can always be deleted.
  if (event.RequestType === "Delete") return { physicalResourceId: event.PhysicalResourceId };
  const config = workerConfig();
  const location = config.store.location;
  if (!location) throw new Error("set RESIDUAL_BUCKET: the bucket to seed");
  const physicalResourceId = `${location}/backbones`;
  const tags = tagsOf(event);
  const { s3Endpoint, region } = config.aws;
  const store = openObjectStore(location, {
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    ...(region ? { region } : {}),
  });
  const results = await seedBackbones(store, tags, {
    baseUrl: config.worker.weightsBaseUrl,
    backend: config.backend,
    signal,
  });
  for (const r of results) logger.info("backbone", { ...r });
  const names = (status: string) =>
    results
      .filter((r) => r.status === status)
      .map((r) => r.tag)
      .join(",");
  return { physicalResourceId, data: { Seeded: names("seeded"), Skipped: names("skipped") } };
}

export async function handler(event: CloudFormationCustomResourceEvent, context: Context) {
  logger.appendKeys({ requestId: context.awsRequestId });
  logger.info("custom resource", { requestType: event.RequestType, tags: event.ResourceProperties.Tags });
  return answerCustomResource(event, context, (signal) => seed(event, signal), {
    // The stack event shows the code and the way out: "[weights_download_failed] …; to deploy without …".
    describe: (err) => {
      const what = isResidualError(err) ? `[${err.code}] ${err.message}` : (err as Error).message;
      return `${what}; to deploy without seeding: -c seedBackbones=none, then residual weights fetch <arch.tag> --store ${config?.store.location ?? "s3://<bucket>"}`;
    },
    onFailure: (reason) => logger.error("seeding failed", { reason }),
  });
}
