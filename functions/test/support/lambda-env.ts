/** The environment a Lambda handler test runs under: a fresh moto bucket and what the stack would set. */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { awsTestConfig, TEST_CREDENTIALS, TEST_REGION, uniqueName } from "../../../test/support/aws.js";

/**
 * Create a moto bucket named after `prefix` and set `process.env` as in Lambda (plus `extra`); returns the bucket.
 * @example
 * const bucket = await lambdaTestEnv("serving", { RESIDUAL_PRELOAD: "pets" });
 */
export async function lambdaTestEnv(prefix: string, extra: Record<string, string> = {}): Promise<string> {
  const cfg = awsTestConfig();
  const bucket = uniqueName(prefix);
  await new S3Client(cfg).send(new CreateBucketCommand({ Bucket: bucket }));
  Object.assign(process.env, {
    RESIDUAL_BUCKET: bucket,
    AWS_ENDPOINT_URL_S3: cfg.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: "ERROR",
    // As in Lambda: ONNX Runtime sessions then run on the handler's thread (ortThreadFromEnv), not a worker.
    AWS_LAMBDA_FUNCTION_NAME: "residual-test",
    ...extra,
  });
  return bucket;
}
