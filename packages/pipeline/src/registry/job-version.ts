/**
 * Publishing is idempotent per job id: a version's `job.json` (written first) names the job that made it, so a
 * redelivered or taken-over job that meets its own version, whole or half-written, finishes it instead of failing
 * with `version_exists`, and a job whose version is already complete is not trained again.
 */
import { z } from "zod";
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { latestKey, modelPrefix } from "./keys.js";

const jobFileSchema = z.object({ jobId: z.string() }).loose();

/**
 * The job id named by `models/<name>/<version>/job.json`, or undefined (no such file, or not one of ours).
 * @example
 * if ((await versionJobId(store, "flowers", v)) === jobId) console.log("ours");
 */
export async function versionJobId(
  store: ObjectStore,
  name: string,
  version: string,
): Promise<string | undefined> {
  try {
    const doc: unknown = JSON.parse(
      (await store.get(`${modelPrefix(name, version)}job.json`)).toString("utf8"),
    );
    const parsed = jobFileSchema.safeParse(doc);
    return parsed.success ? parsed.data.jobId : undefined;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/**
 * Whether job `jobId` already published `name@version` completely (its `job.json` names the job and `model.onnx`,
 * written last, is there). If so, `latest` is moved to it unless it already names a later version.
 * @example
 * if (await completedByJob(store, "flowers", version, "flowers-1f3c")) return { model: "flowers", version };
 */
export async function completedByJob(
  store: ObjectStore,
  name: string,
  version: string,
  jobId: string,
): Promise<boolean> {
  if ((await versionJobId(store, name, version)) !== jobId) return false;
  if (!(await store.head(`${modelPrefix(name, version)}model.onnx`))) return false;
  const latest = (await store.head(latestKey(name)))
    ? (await store.get(latestKey(name))).toString("utf8").trim()
    : undefined;
  if (latest === undefined || latest < version)
    await store.put(latestKey(name), version, { contentType: "text/plain; charset=utf-8" });
  return true;
}
