import { InvalidInputError, jobIdFor } from "@residual/pipeline";
import { classifyKey, datasetName, JOB_ID_PATTERN, parseDatasetMessage } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

function s3Event(key: string, eventName = "ObjectCreated:Put", etag = '"abc"'): string {
  return JSON.stringify({
    Records: [
      {
        eventName,
        eventTime: "2026-01-01T00:00:00Z",
        s3: { bucket: { name: "bkt" }, object: { key, size: 10, eTag: etag } },
      },
    ],
  });
}

describe("parseDatasetMessage", () => {
  it("decodes %2F and + in keys and strips ETag quotes", () => {
    const { events } = parseDatasetMessage(s3Event("datasets%2Fmy+flowers.zip"));
    expect(events).toEqual([
      expect.objectContaining({
        bucket: "bkt",
        key: "datasets/my flowers.zip",
        etag: "abc",
        kind: "archive",
        size: 10,
      }),
    ]);
  });

  it("ignores the s3:TestEvent, other prefixes, unsupported suffixes and non-create events", () => {
    expect(parseDatasetMessage(JSON.stringify({ Event: "s3:TestEvent", Bucket: "bkt" })).ignored).toEqual([
      { reason: "test_event" },
    ]);
    expect(parseDatasetMessage(s3Event("models/x.zip")).ignored[0]?.reason).toBe("outside_prefix");
    expect(parseDatasetMessage(s3Event("datasets/flowers/a/1.jpg")).ignored[0]?.reason).toBe(
      "unsupported_suffix",
    );
    expect(parseDatasetMessage(s3Event("datasets/x.zip", "ObjectRemoved:Delete")).ignored[0]?.reason).toBe(
      "not_object_created",
    );
  });

  it("accepts the folder marker and every archive suffix", () => {
    expect(classifyKey("datasets/flowers/residual.json")).toBe("folder");
    expect(classifyKey("datasets/residual.json")).toBe("unsupported_suffix");
    for (const k of ["a.zip", "a.tar", "a.tar.gz", "a.TGZ"])
      expect(classifyKey(`datasets/${k}`)).toBe("archive");
  });

  it("rejects malformed bodies with a specific code", () => {
    for (const body of [
      "not json",
      "{}",
      JSON.stringify({ Records: [] }),
      JSON.stringify({ Records: [{ s3: {} }] }),
    ]) {
      expect(() => parseDatasetMessage(body)).toThrowError(InvalidInputError);
      try {
        parseDatasetMessage(body);
      } catch (e) {
        expect((e as InvalidInputError).code).toBe("malformed_message");
      }
    }
  });

  it("understands the local mode's own message", () => {
    const body = JSON.stringify({
      type: "dataset.uploaded",
      bucket: "local",
      key: "datasets/a b.zip",
      etag: "e1",
    });
    expect(parseDatasetMessage(body).events[0]).toMatchObject({
      key: "datasets/a b.zip",
      etag: "e1",
      kind: "archive",
    });
  });
});

describe("job ids", () => {
  it("are stable per upload and differ per ETag", () => {
    const a = jobIdFor({ bucket: "b", key: "datasets/Flowers 2.zip", etag: "e1" });
    expect(a).toBe(jobIdFor({ bucket: "b", key: "datasets/Flowers 2.zip", etag: "e1" }));
    expect(a).not.toBe(jobIdFor({ bucket: "b", key: "datasets/Flowers 2.zip", etag: "e2" }));
    expect(a).toMatch(JOB_ID_PATTERN);
    expect(a.startsWith("flowers-2-")).toBe(true);
  });

  it("names datasets after the archive or the marker's folder", () => {
    expect(datasetName("datasets/pets.tar.gz")).toBe("pets");
    expect(datasetName("datasets/team/Birds/residual.json")).toBe("birds");
    expect(datasetName("datasets/../.zip")).toBe("dataset");
  });
});
