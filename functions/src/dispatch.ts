/**
 * Dispatcher Lambda: SQS (S3 dataset events) → claimed jobs → AWS Batch. Partial batch responses: a message that
 * fails (malformed, or Batch/S3 trouble) is reported alone, retried by SQS, and ends in the DLQ.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { batchSubmitter, dispatchMessage, openObjectStore } from "@residual/pipeline/dispatch";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

const logger = new Logger({ serviceName: "residual-dispatch" });
const bucket = process.env.RESIDUAL_BUCKET ?? "";
// Created once per container so warm invocations reuse connections.
const store = openObjectStore(`s3://${bucket}`);
const submitter = batchSubmitter({
  bucket,
  jobQueue: process.env.RESIDUAL_JOB_QUEUE ?? "",
  jobDefinition: process.env.RESIDUAL_JOB_DEFINITION ?? "",
});

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
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
