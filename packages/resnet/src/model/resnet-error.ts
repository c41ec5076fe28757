/** Stable codes of {@link ResNetError}; callers branch on these, never on messages. */
export type ResNetErrorCode =
  | "unknown_arch"
  | "invalid_options"
  | "invalid_stage"
  | "weights_mismatch"
  | "invalid_model_file"
  | "model_not_found"
  | "invalid_input"
  | "disposed";

/**
 * Base error of the model core: bad architecture names, bad options, mismatched weights, unreadable saved models.
 *
 * @example
 * ```ts
 * try { createResNet("resnet19" as ArchName); } catch (e) { if (e instanceof ResNetError) console.log(e.code); }
 * ```
 */
export class ResNetError extends Error {
  override readonly name: string = "ResNetError";
  readonly code: ResNetErrorCode;

  constructor(code: ResNetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A weight whose shape differs from the model's. */
export interface MisshapedWeight {
  name: string;
  expected: number[];
  actual: number[];
}

/**
 * Weights that do not match the model name-for-name and shape-for-shape. Lists every problem at once so a
 * caller fixes a checkpoint in one round trip.
 *
 * @example
 * ```ts
 * try { model.loadWeights(map); } catch (e) {
 *   if (e instanceof WeightsMismatchError) console.log(e.missing, e.unexpected, e.misshaped);
 * }
 * ```
 */
export class WeightsMismatchError extends ResNetError {
  override readonly name = "WeightsMismatchError";
  readonly missing: string[];
  readonly unexpected: string[];
  readonly misshaped: MisshapedWeight[];

  constructor(missing: string[], unexpected: string[], misshaped: MisshapedWeight[]) {
    super("weights_mismatch", formatMismatch(missing, unexpected, misshaped));
    this.missing = missing;
    this.unexpected = unexpected;
    this.misshaped = misshaped;
  }
}

const LIST_LIMIT = 20;

function formatList(items: string[]): string {
  const head = items.slice(0, LIST_LIMIT).join(", ");
  return items.length > LIST_LIMIT ? `${head}, … (${items.length - LIST_LIMIT} more)` : head;
}

/** One message naming every missing, unexpected and misshaped key (long lists are truncated, fields are not). */
export function formatMismatch(
  missing: string[],
  unexpected: string[],
  misshaped: MisshapedWeight[],
): string {
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.length}: ${formatList(missing)}`);
  if (unexpected.length > 0) parts.push(`unexpected ${unexpected.length}: ${formatList(unexpected)}`);
  if (misshaped.length > 0) {
    const shapes = misshaped.map((m) => `${m.name} expected [${m.expected}] got [${m.actual}]`);
    parts.push(`wrong shape ${misshaped.length}: ${formatList(shapes)}`);
  }
  return `weights do not match the model: ${parts.join("; ")}`;
}
