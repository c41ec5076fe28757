/**
 * The CloudFormation custom-resource protocol for a Lambda that is its own service token: run the work, then PUT
 * exactly one SUCCESS or FAILED answer to the event's pre-signed `ResponseURL`. CloudFormation waits up to an hour
 * for an answer that never comes, so every path answers: a thrown error is FAILED with its message as the reason,
 * and work still running shortly before the Lambda's timeout is aborted and answered FAILED.
 */
import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from "aws-lambda";

/** What the work reports on success: the resource's physical id and its `Fn::GetAtt` attributes. */
export interface CustomResourceResult {
  physicalResourceId: string;
  data?: Record<string, string>;
}

/** CloudFormation keeps the response body under 4 KiB; the reason is what a stack event shows, so keep it readable. */
const MAX_REASON = 1000;

/** The stack event's reason: the error's message, cut to fit. */
function reasonOf(err: unknown, describe?: (err: unknown) => string | undefined): string {
  const text = describe?.(err) ?? (err instanceof Error ? err.message : String(err));
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

/**
 * Run `work` for `event` and answer CloudFormation; resolves once the answer is delivered (and throws only when
 * it cannot be delivered, which CloudFormation then reports as a timeout).
 * @example
 * await answerCustomResource(event, context, async (signal) => ({ physicalResourceId: "x" }));
 */
export async function answerCustomResource(
  event: CloudFormationCustomResourceEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
  work: (signal: AbortSignal) => Promise<CustomResourceResult>,
  options: {
    /** Time kept back from the function's timeout to abort and answer. @default 20 s */
    marginMs?: number;
    /** The reason for an error, when it knows better than `err.message`. */
    describe?: (err: unknown) => string | undefined;
    onFailure?: (reason: string) => void;
  } = {},
): Promise<CloudFormationCustomResourceResponse> {
  const fallbackId = "PhysicalResourceId" in event ? event.PhysicalResourceId : event.LogicalResourceId;
  const common = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  const abort = new AbortController();
  const margin = options.marginMs ?? 20_000;
  const budget = Math.max(0, context.getRemainingTimeInMillis() - margin);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      const s = (ms: number) => Math.round(ms / 1000);
      reject(new Error(`aborted after ${s(budget)} s, ${s(margin)} s before the function's timeout`));
    }, budget);
  });
  let response: CloudFormationCustomResourceResponse;
  try {
    const r = await Promise.race([work(abort.signal), deadline]);
    response = { ...common, Status: "SUCCESS", PhysicalResourceId: r.physicalResourceId, Data: r.data };
  } catch (err) {
    const reason = reasonOf(err, options.describe);
    options.onFailure?.(reason);
    response = { ...common, Status: "FAILED", Reason: reason, PhysicalResourceId: fallbackId };
  } finally {
    clearTimeout(timer);
  }
  // The pre-signed URL signs no content type: send none (a Uint8Array body gets no default one).
  const body = new TextEncoder().encode(JSON.stringify(response));
  const res = await fetch(event.ResponseURL, { method: "PUT", body });
  if (!res.ok) throw new Error(`CloudFormation response PUT failed: HTTP ${res.status} ${await res.text()}`);
  return response;
}
