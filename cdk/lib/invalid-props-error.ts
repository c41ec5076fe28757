/**
 * The one error the infrastructure code throws for bad props or bad context. Like the pipeline's errors it has a
 * stable `code`; it also carries every problem found, because a deploy that fails on the first of three typos
 * costs three synth round trips.
 */
export class InvalidPropsError extends Error {
  override readonly name = "InvalidPropsError";
  readonly code = "CDK_INVALID_PROPS";
  readonly problems: readonly string[];

  constructor(subject: string, problems: readonly string[]) {
    super(`Invalid ${subject}: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/**
 * Throws one {@link InvalidPropsError} listing every problem, or returns when there are none.
 *
 * @example
 * const problems: string[] = [];
 * if (props.maxVcpus < 1) problems.push(`maxVcpus must be at least 1 (got ${props.maxVcpus})`);
 * assertNoProblems("Training props", problems);
 */
export function assertNoProblems(subject: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new InvalidPropsError(subject, problems);
}

/**
 * Adds a problem when `value` is set and is not an integer in `[min, max]`.
 *
 * @example
 * checkIntegerRange(problems, "maxReceiveCount", props.maxReceiveCount, 1, 1000);
 */
export function checkIntegerRange(
  problems: string[],
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
}
