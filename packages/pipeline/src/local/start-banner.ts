/**
 * What `residual start` prints once it is up: where the API and the bucket are, and what to do next. The first
 * line has a fixed shape (`residual: pipeline ready on <url>`) so scripts and tests can wait for it.
 */
import { relative } from "node:path";
import type { PipelineMode } from "./pipeline-mode.js";

/** The `--store` argument a user must pass to other commands to reach this pipeline's bucket, if any. */
function storeFlag(mode: PipelineMode, cwd: string): string {
  if (mode.kind === "aws") return ` --store ${mode.store}`;
  const rel = relative(cwd, mode.home);
  return rel === ".residual" ? "" : ` --store ${rel && !rel.startsWith("..") ? rel : mode.home}`;
}

/**
 * The banner lines.
 *
 * @example
 * startBanner("http://127.0.0.1:8080", resolveMode({}), process.cwd())[0]; // "residual: pipeline ready on http://127.0.0.1:8080"
 */
export function startBanner(url: string, mode: PipelineMode, cwd: string): string[] {
  const store = storeFlag(mode, cwd);
  const where =
    mode.kind === "local"
      ? [
          `  bucket   ${mode.home}  (local; drop a .zip/.tar.gz into ${relative(cwd, mode.home) || "."}/datasets/ to start a job)`,
          `  queue    ${mode.queueUrl}`,
        ]
      : [
          `  bucket   ${mode.store}  (AWS mode via ${mode.reason}; uploads reach the worker through the bucket's SQS notification)`,
          `  queue    ${mode.queueUrl}`,
        ];
  return [
    `residual: pipeline ready on ${url}`,
    ...where,
    "",
    "Next:",
    `  npx residual demo${store} --url ${url}   # synthetic dataset → job → model → API answers`,
    `  npx residual upload ./my-dataset${store}   # a folder of class folders (or .zip/.tar/.tar.gz): starts a fine-tuning job`,
    `  npx residual jobs${store}   # job states; also GET ${url}/v1/jobs/<id>`,
    `  curl ${url}/v1/models`,
    `  curl -X POST '${url}/v1/classify?model=<name>' -H 'content-type: image/jpeg' --data-binary @photo.jpg`,
    `  curl -X POST '${url}/v1/embeddings?model=<name>' -H 'content-type: image/jpeg' --data-binary @photo.jpg`,
    `  API description: ${url}/openapi.json   Stop with Ctrl-C (running jobs checkpoint and resume on the next start).`,
  ];
}
