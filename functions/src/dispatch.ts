/**
 * Dispatcher Lambda: SQS (S3 dataset events) → claimed jobs → AWS Batch. Partial batch responses: a message that
 * fails (malformed, or Batch/S3 trouble) is reported alone, retried by SQS, and ends in the DLQ. Its environment
 * is parsed once at init (`loadConfig("dispatcher")`): a missing bucket, queue or job definition fails the init
 * phase naming every one.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { batchSubmitter, dispatchMessage, loadConfig, openObjectStore } from "@residual/pipeline/dispatch";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";

const logger = new Logger({ serviceName: "residual-dispatch" });
const config = loadConfig("dispatcher");
const { s3Endpoint, region } = config.aws;
// Created once per container so warm invocations reuse connections.
const store = openObjectStore(`s3://${config.dispatch.bucket}`, {
  ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
  ...(region ? { region } : {}),
});
const submitter = batchSubmitter(config.dispatch);

export async function handler(
  event: SQSEvent,
  context?: Pick<Context, "awsRequestId">,
): Promise<SQSBatchResponse> {
  // The invocation's request id on every line (the field the API Lambdas and the local logs use).
  logger.appendKeys({ requestId: context?.awsRequestId });
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      const result = await dispatchMessage(record.body, { store, submitter });
      logger.info("dispatched", { messageId: record.messageId, ...result });
    } catch (err) {
      logger.error("dispatch failed", { messageId: record.messageId, error: err as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
