import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalObjectStore, openObjectStore, parseS3Url, S3ObjectStore } from "@residual/pipeline";
import { describe, expect, it } from "vitest";

describe("parseS3Url", () => {
  it("splits bucket and prefix, dropping trailing slashes", () => {
    expect(parseS3Url("s3://residual-data")).toEqual({ bucket: "residual-data", prefix: "" });
    expect(parseS3Url("s3://residual-data/")).toEqual({ bucket: "residual-data", prefix: "" });
    expect(parseS3Url("s3://b1/models/cats/")).toEqual({ bucket: "b1", prefix: "models/cats" });
  });

  it("refuses non-s3 URLs and unsafe prefixes with invalid_location", () => {
    for (const bad of ["http://b/x", "s3://", "s3:///x", "s3://b/../x", "s3://b/a//b"]) {
      expect(() => parseS3Url(bad), bad).toThrow(expect.objectContaining({ code: "invalid_location" }));
    }
  });
});

describe("openObjectStore", () => {
  it("opens S3 for s3:// with the endpoint from AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL", async () => {
    const s3 = openObjectStore("s3://bkt/pre/fix", { env: { AWS_ENDPOINT_URL: "http://127.0.0.1:1" } });
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect(s3.url).toBe("s3://bkt/pre/fix");
    const client = (s3 as S3ObjectStore).client;
    expect(await client.config.forcePathStyle).toBe(true);
    expect((await client.config.endpoint?.())?.port).toBe(1);
    const specific = openObjectStore("s3://bkt", {
      env: { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2" },
    }) as S3ObjectStore;
    expect((await specific.client.config.endpoint?.())?.port).toBe(2);
    const real = openObjectStore("s3://bkt", { env: {} }) as S3ObjectStore;
    expect(await real.client.config.forcePathStyle).toBe(false);
  });

  it("opens a directory for file:// URLs and plain paths", () => {
    const dir = join(tmpdir(), "residual-open");
    const viaUrl = openObjectStore(pathToFileURL(dir).href);
    expect(viaUrl).toBeInstanceOf(LocalObjectStore);
    expect(viaUrl.url).toBe(pathToFileURL(dir).href);
    expect(openObjectStore(dir).url).toBe(pathToFileURL(dir).href);
    expect(openObjectStore("rel/dir").url).toBe(pathToFileURL(resolve("rel/dir")).href);
  });

  it("refuses other schemes and bad options", () => {
    expect(() => openObjectStore("ftp://x/y")).toThrow(expect.objectContaining({ code: "invalid_location" }));
    expect(() => openObjectStore("")).toThrow(expect.objectContaining({ code: "invalid_location" }));
    expect(() => openObjectStore("s3://b", { maxAttempts: 0 })).toThrow(
      expect.objectContaining({ code: "invalid_config" }),
    );
  });
});
