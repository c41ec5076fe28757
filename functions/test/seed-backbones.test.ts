/**
 * The backbone-seeding Lambda as CloudFormation calls it: custom-resource events into `seed-backbones.handler`,
 * the bucket on moto S3, weights (torchvision-layout safetensors of a seeded ResNet-18) from a local HTTP mirror,
 * and the answers caught where CloudFormation's pre-signed `ResponseURL` would be.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ObjectStore, openObjectStore, resolveBackbone, seedBackbones } from "@residual/pipeline";
import { createResNet, exportTorchWeights, initBackend } from "@residual/resnet";
import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaTestEnv } from "./support/lambda-env.js";

type Handler = (e: CloudFormationCustomResourceEvent, c: Context) => Promise<unknown>;
let handler: Handler;
let server: Server;
let base: string;
let store: ObjectStore;
let bucket: string;
let weights: Uint8Array;
const weightRequests: string[] = [];
const answers = new Map<string, CloudFormationCustomResourceResponse>();

/** The weights mirror (resnet18: served; resnet34: a 500; resnet50.tv_in1k: never answers) and the response URL. */
function serve(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === "PUT" && req.url?.startsWith("/cfn/")) {
    expect(req.headers["content-type"]).toBeUndefined();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      answers.set(req.url!.slice(5), JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(200).end();
    });
    return;
  }
  weightRequests.push(req.url ?? "");
  if (req.url === "/resnet18.tv_in1k/resolve/main/model.safetensors") {
    res.writeHead(200, { "content-length": String(weights.length) }).end(weights);
  } else if (req.url?.startsWith("/resnet50.tv_in1k/")) {
    res.writeHead(200, { "content-length": String(weights.length) }); // and nothing more
  } else {
    res.writeHead(500).end("mirror down");
  }
}

let nextId = 0;
/** A custom-resource event whose answer lands in `answers` under its request id. */
function event(
  requestType: "Create" | "Update" | "Delete",
  tags: unknown,
): CloudFormationCustomResourceEvent & { RequestId: string } {
  const id = `req-${++nextId}`;
  const common = {
    ServiceToken: "arn:aws:lambda:us-east-1:123456789012:function:seed",
    ResponseURL: `${base}/cfn/${id}`,
    StackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/Residual/1",
    RequestId: id,
    LogicalResourceId: "BackbonesResource",
    ResourceType: "Custom::ResidualBackbones",
    ResourceProperties: { ServiceToken: "x", Tags: tags },
  };
  if (requestType === "Create") return { ...common, RequestType: "Create" };
  const physical = { PhysicalResourceId: `s3://${bucket}/backbones` };
  if (requestType === "Delete") return { ...common, ...physical, RequestType: "Delete" };
  return { ...common, ...physical, RequestType: "Update", OldResourceProperties: { ServiceToken: "x" } };
}

/** A Lambda context with `remainingMs` left. */
const context = (remainingMs = 900_000) => ({ getRemainingTimeInMillis: () => remainingMs }) as Context;

async function run(e: CloudFormationCustomResourceEvent & { RequestId: string }, ctx = context()) {
  await handler(e, ctx);
  const answer = answers.get(e.RequestId);
  expect(answer, "CloudFormation got an answer").toBeDefined();
  return answer!;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

describe("seed-backbones Lambda (CloudFormation custom resource, moto S3)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    const source = createResNet("resnet18", { seed: 3 });
    weights = await exportTorchWeights(source);
    source.dispose();
    server = createServer(serve);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    bucket = await lambdaTestEnv("seed-fn", { RESIDUAL_WEIGHTS_BASE_URL: base });
    store = openObjectStore(`s3://${bucket}`);
    handler = (await import("../src/seed-backbones.js")).handler as Handler;
  }, 120_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("Create seeds the backbone whole (ONNX included), servable as the default", async () => {
    const answer = await run(event("Create", ["resnet18.tv_in1k"]));
    expect(answer).toMatchObject({
      Status: "SUCCESS",
      PhysicalResourceId: `s3://${bucket}/backbones`,
      LogicalResourceId: "BackbonesResource",
      Data: { Seeded: "resnet18.tv_in1k", Skipped: "" },
    });
    const keys = await keysUnder("backbones/resnet18.tv_in1k/");
    expect(keys).toEqual(
      expect.arrayContaining(
        ["model.json", "model.onnx", "labels.json", "pretrained.json"].map(
          (f) => `backbones/resnet18.tv_in1k/${f}`,
        ),
      ),
    );
    expect(keys.some((k) => k.endsWith(".bin"))).toBe(true);
    const resolved = await resolveBackbone(store, "resnet18.tv_in1k");
    expect(resolved.onnx?.size).toBeGreaterThan(40_000_000);
    expect(resolved.hasTfjs).toBe(true);
  });

  it("a second run (an Update with the same tag) skips it without downloading", async () => {
    const before = weightRequests.length;
    const modelJson = await store.head("backbones/resnet18.tv_in1k/model.json");
    const answer = await run(event("Update", ["resnet18"]));
    expect(answer).toMatchObject({ Status: "SUCCESS", Data: { Seeded: "", Skipped: "resnet18.tv_in1k" } });
    expect(weightRequests.length).toBe(before);
    expect((await store.head("backbones/resnet18.tv_in1k/model.json"))?.etag).toBe(modelJson?.etag);
  });

  it("a failed download answers FAILED with the code and URL, and writes nothing of that tag", async () => {
    const answer = await run(event("Update", ["resnet18.tv_in1k", "resnet34.tv_in1k"]));
    expect(answer.Status).toBe("FAILED");
    expect(answer.Reason).toMatch(
      /^\[weights_download_failed\] GET http:\/\/127\.0\.0\.1:\d+\/resnet34\.tv_in1k\/resolve\/main\/model\.safetensors answered 500 .*; to deploy without seeding: -c seedBackbones=none, then residual weights fetch <arch\.tag> --store s3:\/\/seed-fn-/,
    );
    // CloudFormation needs the resource's id back on failure too (a failed Create is then deleted by that id).
    expect(answer.PhysicalResourceId).toBe(`s3://${bucket}/backbones`);
    expect(await keysUnder("backbones/resnet34.tv_in1k/")).toEqual([]);
  });

  it("answers FAILED for tags the registry does not know, before downloading anything", async () => {
    const before = weightRequests.length;
    const unknown = await run(event("Create", ["resnet9.foo"]));
    expect(unknown).toMatchObject({ Status: "FAILED", PhysicalResourceId: "BackbonesResource" });
    expect(unknown.Reason).toMatch(/^\[weights_unknown_tag\] unknown pretrained weights 'resnet9\.foo'/);
    const malformed = await run(event("Create", "resnet18.tv_in1k"));
    expect(malformed).toMatchObject({
      Status: "FAILED",
      Reason: expect.stringMatching(/^Tags must be a non-empty list/),
    });
    expect(weightRequests.length).toBe(before);
  });

  it("aborts and answers FAILED before the function's timeout when a download hangs", async () => {
    const started = Date.now();
    const answer = await run(event("Create", ["resnet50.tv_in1k"]), context(20_500));
    expect(answer.Status).toBe("FAILED");
    expect(answer.Reason).toMatch(
      /^aborted after \d s, 20 s before the function's timeout; to deploy without seeding: -c seedBackbones=none/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await keysUnder("backbones/resnet50.tv_in1k/")).toEqual([]);
  });

  it("seedBackbones with force fetches again and writes model.json last, after model.onnx and the shards", async () => {
    const puts: string[] = [];
    const recording: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      put: ((key, body, options) => {
        puts.push(key.replace("backbones/resnet18.tv_in1k/", ""));
        return store.put(key, body, options);
      }) satisfies ObjectStore["put"],
    });
    const before = weightRequests.length;
    const [r] = await seedBackbones(recording, ["resnet18.tv_in1k"], { baseUrl: base, force: true });
    expect(r).toMatchObject({ tag: "resnet18.tv_in1k", status: "seeded", bytes: weights.length });
    expect(weightRequests.length).toBe(before + 1);
    expect(puts.at(-1)).toBe("model.json");
    expect(puts.indexOf("model.onnx")).toBeLessThan(puts.findIndex((k) => k.endsWith(".bin")));
    expect(puts.filter((k) => k === "model.json")).toHaveLength(1);
  });

  it("Delete answers SUCCESS with the same id and leaves the backbones in the bucket", async () => {
    const before = weightRequests.length;
    const answer = await run(event("Delete", ["resnet18.tv_in1k"]));
    expect(answer).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: `s3://${bucket}/backbones` });
    expect(await store.head("backbones/resnet18.tv_in1k/model.json")).toBeDefined();
    expect(weightRequests.length).toBe(before);
  });
});
