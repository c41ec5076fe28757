/**
 * Dataset-level rules that fail a job fast with one clear message listing every offending class.
 */
import { DatasetError, type ErrorIssue } from "../errors.js";
import type { Candidate } from "./types.js";

/**
 * Structural checks before any decoding: ≥ 2 classes, every val label also in train.
 *
 * @example
 * checkStructure(candidates, ["cat", "dog"], true);
 */
export function checkStructure(candidates: Candidate[], trainClasses: Set<string>, hasVal: boolean): void {
  if (candidates.length === 0) throw new DatasetError("no_valid_images", "dataset contains no image files");
  if (trainClasses.size < 2) {
    throw new DatasetError(
      "too_few_classes",
      `dataset needs at least 2 classes, found ${trainClasses.size}${trainClasses.size ? ` (${[...trainClasses].join(", ")})` : ""}`,
    );
  }
  if (!hasVal) return;
  const unknown = [
    ...new Set(candidates.filter((c) => c.split === "val" && !trainClasses.has(c.label)).map((c) => c.label)),
  ];
  if (unknown.length > 0) {
    throw new DatasetError(
      "val_label_not_in_train",
      `validation labels not present in train: ${unknown.map((l) => JSON.stringify(l)).join(", ")}`,
      { issues: unknown.map((l) => ({ path: ["val", l], code: "val_label_not_in_train", message: l })) },
    );
  }
}

/**
 * After validation: images exist and each class has at least `min` valid images.
 *
 * @example
 * checkCounts(new Map([["cat", 5], ["dog", 0]]), 2); // throws class_too_small naming "dog"
 */
export function checkCounts(perClass: Map<string, number>, min: number): void {
  let total = 0;
  for (const n of perClass.values()) total += n;
  if (total === 0)
    throw new DatasetError("no_valid_images", "no valid images: every file was skipped (see report)");
  const issues: ErrorIssue[] = [];
  for (const [label, n] of perClass) {
    if (n < min)
      issues.push({ path: ["classes", label], code: "class_too_small", message: `${label}: ${n} valid` });
  }
  if (issues.length > 0) {
    throw new DatasetError(
      "class_too_small",
      `classes with fewer than ${min} valid images: ${issues.map((i) => i.message).join(", ")}`,
      { issues },
    );
  }
}

/**
 * A manifest that points at objects that do not exist.
 *
 * @example
 * throw missingImages(missing);
 */
export function missingImages(missing: Candidate[]): DatasetError {
  return new DatasetError(
    "manifest_missing_image",
    `manifest points to ${missing.length} missing image(s): ${missing
      .slice(0, 5)
      .map((c) => c.path)
      .join(", ")}`,
    { issues: missing.map((c) => ({ path: [c.path], code: "manifest_missing_image", message: c.path })) },
  );
}
