/**
 * Error hygiene at the API: no local `file://` paths in messages, a corrupt model file in the bucket is the
 * server's fault (500), a wrong method is 405 with `Allow` on the local server and the Lambda dispatch alike,
 * and the local store refuses symbolic links on read.
 */
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createApp,
  errorResponse,
  LocalObjectStore,
  NotFoundError,
  publishModel,
  ServingCore,
} from "@residual/pipeline";
import { dispatch } from "@residual/pipeline/serving";
import { describe, expect, it } from "vitest";

const newHome = () => mkdtemp(join(tmpdir(), "residual-hygiene-"));

describe("API error hygiene", () => {
  it("answers a wrong method with 405 and Allow, the same locally and through the Lambda dispatch", async () => {
    const core = new ServingCore({ store: new LocalObjectStore(await newHome()) });
    const local = await createApp(core).request("/v1/models", { method: "DELETE" });
    expect(local.status).toBe(405);
    expect(local.headers.get("allow")).toBe("GET");
    expect(((await local.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
    const lambda = await dispatch(core, "DELETE", "/v1/models", { body: Buffer.alloc(0), query: {} });
    expect([lambda.status, lambda.headers]).toEqual([405, { allow: "GET" }]);
    expect((await createApp(core).request("/v1/nothing-here")).status).toBe(404);
  });

  it("a corrupt labels.json in the bucket is a 500 invalid_model_file, not the caller's 400", async () => {
    const home = await newHome();
    const store = new LocalObjectStore(home);
    await publishModel(store, {
      name: "flowers",
      version: "v1",
      files: { "model.onnx": "x", "labels.json": JSON.stringify(["a", "b"]) },
    });
    await store.put("models/flowers/v1/labels.json", "{ corrupt");
    const res = await createApp(new ServingCore({ store })).request("/v1/models/flowers");
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, body.error.code]).toEqual([500, "invalid_model_file"]);
    expect(body.error.message).not.toContain(home);
  });

  it("hands a 5xx's stack to the front end's error log (the Lambda dispatch's logger), a 4xx not", async () => {
    const store = new LocalObjectStore(await newHome());
    await publishModel(store, {
      name: "flowers",
      version: "v1",
      files: { "model.onnx": "x", "labels.json": '["a"]' },
    });
    await store.put("models/flowers/v1/labels.json", "{ corrupt");
    const logged: Array<{ route: string; stack: string }> = [];
    const onError = (err: unknown, route: { id: string }) =>
      logged.push({ route: route.id, stack: String((err as Error).stack) });
    const core = new ServingCore({ store });
    const none = { body: Buffer.alloc(0), query: {} };
    expect((await dispatch(core, "GET", "/v1/models/flowers", none, onError)).status).toBe(500);
    expect((await dispatch(core, "GET", "/v1/jobs/NOT_AN_ID", none, onError)).status).toBe(400);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.route).toBe("model");
    expect(logged[0]!.stack).toContain("labels.json");
  });

  it("keeps this machine's directories out of error messages", async () => {
    const home = await newHome();
    const store = new LocalObjectStore(home);
    const missing = await store.get("models/none/latest").catch((e: Error) => e);
    expect((missing as Error).message).not.toContain(home);
    const backbone = new NotFoundError("backbone_not_found", `no backbone at ${store.url}/backbones/r18/`);
    const { body } = errorResponse(backbone);
    expect(body.error.message).not.toContain("file://");
    expect(body.error.message).not.toContain(home);
  });

  it("the local store refuses symbolic links on read: a linked file and a linked directory", async () => {
    const home = await newHome();
    const outside = await newHome();
    await writeFile(join(outside, "secret"), "s3cr3t");
    await mkdir(join(home, "models", "a"), { recursive: true });
    await symlink(join(outside, "secret"), join(home, "models", "a", "latest"));
    await symlink(outside, join(home, "linked"));
    const store = new LocalObjectStore(home);
    await expect(store.get("models/a/latest")).rejects.toMatchObject({ code: "symlink_not_allowed" });
    await expect(store.getStream("linked/secret")).rejects.toMatchObject({ code: "symlink_not_allowed" });
    expect(await store.head("models/a/latest")).toBeUndefined();
  });
});
