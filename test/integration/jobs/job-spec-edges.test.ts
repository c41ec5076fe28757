/**
 * A `residual.json` that is not an object, and model names the registry would refuse, fail the job with
 * `invalid_job_spec` before any compute, and leave no extracted dataset behind in the OS temp dir.
 */
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimJob,
  LocalObjectStore,
  type ObjectStore,
  readJobStatus,
  runJob,
  trainingJobRunner,
} from "@residual/pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filesToZip, makeShapesDataset } from "../../support/images.js";

let tmp: string;
let savedTmp: string | undefined;
beforeEach(async () => {
  // os.tmpdir() reads TMPDIR on every call: a private one shows what the job leaves behind.
  savedTmp = process.env.TMPDIR;
  tmp = await mkdtemp(join(tmpdir(), "residual-spec-tmp-"));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

async function zipWithSpec(specText: string): Promise<Buffer> {
  const files = await makeShapesDataset({
    classes: ["circle", "square"],
    perClass: 4,
    width: 32,
    height: 32,
  });
  files.set("residual.json", Buffer.from(specText));
  return filesToZip(files);
}

async function runUpload(store: ObjectStore, key: string, kind: "archive" | "folder") {
  const info = await store.head(key);
  const id = `spec-edge-${info!.etag.slice(0, 16)}`;
  await claimJob(store, id, { bucket: "local", key, etag: info!.etag, kind });
  const result = await runJob(id, { store, runner: trainingJobRunner(), log: () => undefined });
  return { result, status: await readJobStatus(store, id) };
}

const newStore = async () => new LocalObjectStore(await mkdtemp(join(savedTmp ?? "/tmp", "residual-spec-")));

describe("job specs refused before compute", () => {
  for (const text of ["[1,2,3]", '"a string"', "null", "42"]) {
    it(`an archive whose residual.json is ${text} fails invalid_job_spec and cleans its temp dir`, async () => {
      const store = await newStore();
      await store.put("datasets/shapes.zip", await zipWithSpec(text));
      const { result, status } = await runUpload(store, "datasets/shapes.zip", "archive");
      expect(result).toBe("failed");
      expect(status.error?.code).toBe("invalid_job_spec");
      expect(status.error?.message).toContain("JSON object");
      expect(await readdir(tmp)).toEqual([]);
    });
  }

  it("a folder whose marker is [1,2,3] fails invalid_job_spec (it used to train on defaults)", async () => {
    const store = await newStore();
    const files = await makeShapesDataset({
      classes: ["circle", "square"],
      perClass: 3,
      width: 32,
      height: 32,
    });
    for (const [path, bytes] of files) await store.put(`datasets/pets/${path}`, bytes);
    await store.put("datasets/pets/residual.json", "[1,2,3]");
    const { status } = await runUpload(store, "datasets/pets/residual.json", "folder");
    expect(status.error?.code).toBe("invalid_job_spec");
  });

  for (const name of ["Flowers", "a".repeat(64), "-lead", "two..dots"]) {
    it(`the name ${JSON.stringify(name.slice(0, 12))} is refused by the spec, not after training`, async () => {
      const store = await newStore();
      await store.put("datasets/shapes.zip", await zipWithSpec(JSON.stringify({ name, epochs: 1 })));
      const { status } = await runUpload(store, "datasets/shapes.zip", "archive");
      expect(status.error?.code).toBe("invalid_job_spec");
      expect(status.error?.message).toContain("name");
      expect(await store.head(`jobs/${status.id}/report.json`)).toBeUndefined(); // no image was validated
      expect(await readdir(tmp)).toEqual([]);
    });
  }
});
