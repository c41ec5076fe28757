/**
 * The dataset description handed to the trainer: sorted classes, train/val samples that reference bytes
 * (a store key or a file extracted to the work dir — never the bytes themselves, so memory stays bounded),
 * and the validation report.
 */

/** Where a sample's bytes live. */
export type SampleRef = { kind: "store"; key: string } | { kind: "file"; path: string };

/**
 * One validated image of a dataset: where its bytes are, its class, and what validation recorded.
 * @example
 * const first: Sample = dataset.train[0]!; // { ref, label, path, digest, width, height }
 */
export interface Sample {
  ref: SampleRef;
  /** Index into `Dataset.classes`. */
  label: number;
  /** The path/key as the user wrote it (reports, leakage warnings). */
  path: string;
  /** sha256 of the bytes (hex), set by validation; feeds the content-addressed cache key. */
  digest: string;
  width: number;
  height: number;
  /** Bands in the file: 1–2 grey (with alpha), 3–4 colour. */
  channels?: number;
}

/** Why a file was skipped (stable strings in report.json). */
export type SkipReason =
  | "empty"
  | "not_an_image"
  | "unsupported_format"
  | "truncated"
  | "not_decodable"
  | "too_small"
  | "too_many_pixels"
  | "unreadable"
  | "nested_archive"
  | "not_in_class_folder";

export interface SkippedFile {
  path: string;
  reason: SkipReason;
  detail: string;
}

export interface DatasetWarning {
  code: "near_duplicate" | "nested_archive_ignored" | "files_outside_classes" | "duplicate_entry";
  message: string;
  paths?: string[];
}

/**
 * The content of `report.json`.
 * @example
 * await store.put(reportKey(jobId), JSON.stringify(dataset.report, null, 2));
 */
export interface DatasetReport {
  source: string;
  format: "archive" | "folder" | "manifest";
  classes: string[];
  counts: { train: Record<string, number>; val: Record<string, number> };
  totals: { train: number; val: number; skipped: number };
  /** Whether val came from the upload (`val/`, manifest split) or from the seeded stratified split. */
  valSource: "given" | "split";
  skipped: SkippedFile[];
  warnings: DatasetWarning[];
  timingsMs: Record<string, number>;
}

/**
 * A loaded, validated upload: sorted classes, train/val samples, the report and the content hash.
 * @example
 * const dataset: Dataset = await loadDataset(store, "datasets/flowers.zip");
 */
export interface Dataset {
  classes: string[];
  train: Sample[];
  val: Sample[];
  report: DatasetReport;
  /** Parsed `residual.json` (the jobs engineer owns its schema); undefined when absent. */
  spec?: unknown;
  /** sha256 over classes and every sample's (split, label, digest): the compiled-cache key. */
  hash: string;
  /** Temp directory holding extracted archive files; remove it with `disposeDataset`. */
  workDir?: string;
}

/** A file found by a layout reader, before validation. */
export interface Candidate {
  ref: SampleRef;
  path: string;
  label: string;
  split?: "train" | "val";
}
