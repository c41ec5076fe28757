/**
 * `loadDataset(store, key)`: the whole "what did the user upload" step. Picks the format from the key
 * (`.zip/.tar/.tar.gz` archive, `.jsonl/.csv` manifest, anything else a folder prefix), validates every file,
 * enforces the dataset rules, splits, checks train/val leakage and returns a {@link Dataset} with its report.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasetError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { isArchiveKey } from "./archive.js";
import { checkCounts, checkStructure, missingImages } from "./dataset-checks.js";
import { findNearDuplicates } from "./dhash.js";
import { sortClasses } from "./labels.js";
import { isManifestKey } from "./manifest.js";
import { type DatasetOptions, type DatasetOptionsInput, resolveDatasetOptions } from "./options.js";
import { type Discovered, discoverArchive, discoverFolder, discoverManifest } from "./sources.js";
import { stratifiedSplit } from "./split.js";
import type { Dataset, DatasetReport, DatasetWarning, Sample } from "./types.js";
import { readRef, type ValidatedFile, type ValidationResult, validateCandidates } from "./validate.js";

/**
 * The dataset options a job spec may set (its split share, class minimum and seed).
 * @example
 * const wanted: SpecDatasetOptions = { valFraction: 0.1, minImagesPerClass: 5, seed: 3 };
 */
export type SpecDatasetOptions = Pick<DatasetOptionsInput, "valFraction" | "minImagesPerClass" | "seed">;

async function readSpec(store: ObjectStore, d: Discovered): Promise<unknown> {
  if (!d.spec) return undefined;
  const text = (await readRef(store, d.spec)).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DatasetError("invalid_spec_json", `residual.json is not valid JSON: ${(err as Error).message}`);
  }
}

function toSample(v: ValidatedFile, classes: string[]): Sample {
  return {
    ref: v.candidate.ref,
    label: classes.indexOf(v.candidate.label),
    path: v.candidate.path,
    digest: v.digest,
    width: v.width,
    height: v.height,
    channels: v.channels,
  };
}

function leakage(train: ValidatedFile[], val: ValidatedFile[], maxDistance: number): DatasetWarning[] {
  const pairs = findNearDuplicates(
    train.map((t) => t.hash),
    val.map((v) => v.hash),
    maxDistance,
  );
  return pairs.map(([i, j, d]) => ({
    code: "near_duplicate",
    message: `possible train/val leakage: ${train[i]!.candidate.path} ≈ ${val[j]!.candidate.path} (dHash distance ${d})`,
    paths: [train[i]!.candidate.path, val[j]!.candidate.path],
  }));
}

function datasetHash(classes: string[], train: Sample[], val: Sample[]): string {
  const h = createHash("sha256").update(JSON.stringify(classes));
  for (const [split, list] of [["t", train] as const, ["v", val] as const]) {
    for (const s of list) h.update(`${split}${s.label}:${s.digest}\n`);
  }
  return h.digest("hex");
}

function countBy(files: ValidatedFile[], classes: string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const f of files) out[f.candidate.label] = (out[f.candidate.label] ?? 0) + 1;
  return out;
}

async function discover(store: ObjectStore, key: string, o: DatasetOptions, workDir: string) {
  if (isArchiveKey(key)) return discoverArchive(store, key, workDir, o);
  if (isManifestKey(key)) return discoverManifest(store, key, o.concurrency);
  return discoverFolder(store, key);
}

/** The train classes (folders and labels outside val/) and whether the upload brought its own val split. */
function structure(d: Discovered): { trainClasses: Set<string>; givenVal: boolean } {
  const trainClasses = new Set([
    ...d.classDirs.train,
    ...d.candidates.filter((c) => c.split !== "val").map((c) => c.label),
  ]);
  const givenVal = d.candidates.some((c) => c.split === "val");
  checkStructure(d.candidates, trainClasses, givenVal);
  return { trainClasses, givenVal };
}

/** Enforces per-class minimums, then splits: the given val/ split, or the seeded stratified one. */
function splitFiles(valid: ValidatedFile[], classes: string[], givenVal: boolean, o: DatasetOptions) {
  const perClass = new Map(classes.map((c) => [c, 0]));
  for (const f of valid)
    if (f.candidate.split !== "val")
      perClass.set(f.candidate.label, (perClass.get(f.candidate.label) ?? 0) + 1);
  checkCounts(perClass, o.minImagesPerClass);
  const isVal = givenVal
    ? valid.map((f) => f.candidate.split === "val")
    : stratifiedSplit(
        valid.map((f) => f.candidate.label),
        o.valFraction,
        o.seed,
      );
  return { trainFiles: valid.filter((_, i) => !isVal[i]), valFiles: valid.filter((_, i) => isVal[i]) };
}

interface Found {
  source: string;
  d: Discovered;
  v: ValidationResult;
  classes: string[];
  givenVal: boolean;
  timingsMs: Record<string, number>;
}

/** Splits validated files into samples and writes the report and the content hash. */
function assemble(f: Found, o: DatasetOptions): Omit<Dataset, "spec" | "workDir"> {
  const { trainFiles, valFiles } = splitFiles(f.v.valid, f.classes, f.givenVal, o);
  const train = trainFiles.map((t) => toSample(t, f.classes));
  const val = valFiles.map((t) => toSample(t, f.classes));
  const skipped = [...f.d.skipped, ...f.v.skipped];
  const report: DatasetReport = {
    source: f.source,
    format: f.d.format,
    classes: f.classes,
    counts: { train: countBy(trainFiles, f.classes), val: countBy(valFiles, f.classes) },
    totals: { train: train.length, val: val.length, skipped: skipped.length },
    valSource: f.givenVal ? "given" : "split",
    skipped,
    warnings: [...f.d.warnings, ...leakage(trainFiles, valFiles, o.duplicateDistance)],
    timingsMs: f.timingsMs,
  };
  return { classes: f.classes, train, val, report, hash: datasetHash(f.classes, train, val) };
}

/**
 * Loads and validates a dataset upload. Archives are extracted under `options.workDir` (or a fresh temp dir,
 * returned as `dataset.workDir`; remove it with {@link disposeDataset}). `fromSpec` sees the upload's
 * `residual.json` (parsed JSON, undefined when absent) as soon as it is read, before any image is validated,
 * and returns the split options it asks for: the upload is read once, whatever its spec says.
 *
 * @example
 * const ds = await loadDataset(store, "datasets/flowers.zip", { seed: 1 });
 * const mine = await loadDataset(store, key, {}, (raw) => splitOptionsOf(parseJobSpec(raw)));
 */
export async function loadDataset(
  store: ObjectStore,
  key: string,
  options: DatasetOptionsInput = {},
  fromSpec?: (spec: unknown) => SpecDatasetOptions,
): Promise<Dataset> {
  let o = resolveDatasetOptions(options);
  const t0 = performance.now();
  const workDir = o.workDir ?? (await mkdtemp(join(tmpdir(), "residual-dataset-")));
  try {
    const d = await discover(store, key, o, workDir);
    const tDiscover = performance.now();
    const { trainClasses, givenVal } = structure(d);
    const spec = await readSpec(store, d);
    if (fromSpec) o = resolveDatasetOptions({ ...options, ...fromSpec(spec) });
    const v = await validateCandidates(store, d.candidates, o, o.concurrency);
    if (v.missing.length > 0) throw missingImages(v.missing);
    const tValidate = performance.now();
    const timingsMs: Record<string, number> = {
      discover: Math.round(tDiscover - t0),
      validate: Math.round(tValidate - tDiscover),
    };
    const classes = sortClasses(trainClasses);
    const ds = assemble({ source: `${store.url}/${key}`, d, v, classes, givenVal, timingsMs }, o);
    timingsMs.total = Math.round(performance.now() - t0);
    return { ...ds, spec, ...(o.workDir ? {} : { workDir }) };
  } catch (err) {
    if (!o.workDir) await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes the temp dir a dataset's extracted archive lives in (no-op for store-backed datasets).
 *
 * @example
 * try { await train(ds); } finally { await disposeDataset(ds); }
 */
export async function disposeDataset(ds: Dataset): Promise<void> {
  if (ds.workDir) await rm(ds.workDir, { recursive: true, force: true });
}
