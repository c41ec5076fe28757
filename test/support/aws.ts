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

/** A bucket or queue name unique to this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
