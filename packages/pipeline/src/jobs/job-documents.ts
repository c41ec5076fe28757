/**
 * The documents a job leaves next to its status, as the API shows them: the dataset report (`report.json`) and
 * the log (`log.txt`, as lines).
 */
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { logKey, reportKey } from "./keys.js";

async function getOr404(store: ObjectStore, key: string, code: string, what: string): Promise<Buffer> {
  try {
    return await store.get(key);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(code, what, { cause: err });
    throw err;
  }
}

/**
 * `jobs/<id>/report.json` (classes, counts, skipped images, warnings), JSON-parsed.
 * @throws NotFoundError `report_not_found` until the dataset was validated.
 * @example
 * const report = await readJobReport(store, "shapes-1f3c");
 */
export async function readJobReport(store: ObjectStore, id: string): Promise<unknown> {
  const key = reportKey(id);
  const bytes = await getOr404(store, key, "report_not_found", `job "${id}" has no dataset report yet`);
  return JSON.parse(bytes.toString("utf8"));
}

/**
 * `jobs/<id>/log.txt` as lines (empty before the first flush).
 * @example
 * const { lines } = await readJobLog(store, "shapes-1f3c");
 */
export async function readJobLog(store: ObjectStore, id: string): Promise<{ lines: string[] }> {
  const key = logKey(id);
  if (!(await store.head(key))) return { lines: [] };
  const text = (await store.get(key)).toString("utf8").replace(/\n$/, "");
  return { lines: text ? text.split("\n") : [] };
}
