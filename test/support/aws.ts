/** Shared helpers for integration tests that talk to the moto server started in test/setup/moto.ts. */
import { inject } from "vitest";

export const TEST_REGION = "us-east-1";
export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

/** Endpoint of the moto server for this test run. */
export function motoEndpoint(): string {
  return inject("motoEndpoint");
}

/** Client config for any AWS SDK v3 client pointed at moto. */
export function awsTestConfig(): {
  endpoint: string;
  region: string;
  credentials: typeof TEST_CREDENTIALS;
  forcePathStyle: true;
} {
  return {
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    forcePathStyle: true,
  };
}

/**
 * The environment of a `residual` CLI process pointed at moto, with `cleared` variables set empty so the
 * developer's own settings cannot leak in.
 * @example
 * await runResidual(["worker", "--job", id], awsCliEnv(["RESIDUAL_STORE", "RESIDUAL_JOB_ID"]));
 */
export function awsCliEnv(cleared: readonly string[]): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    ...Object.fromEntries(cleared.map((name) => [name, ""])),
  };
}

/** A bucket or queue name unique to this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Create an IAM role on moto (AWS Batch there checks that service roles exist). Uses IAM's query API directly so
 * the tests need no IAM SDK client; moto routes the call by the credential scope in the Authorization header.
 */
export async function createTestRole(name: string): Promise<string> {
  const body = new URLSearchParams({
    Action: "CreateRole",
    Version: "2010-05-08",
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
  });
  const res = await fetch(`${motoEndpoint()}/`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization:
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x",
    },
  });
  const text = await res.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!res.ok || !arn) throw new Error(`CreateRole on moto failed (${res.status}): ${text.slice(0, 300)}`);
  return arn;
}
