/**
 * `residual serve` beyond loopback: refused without --allow-remote and a token; with them, a loud warning, the
 * bearer token on every route but /healthz, and the Host header checked against the server's names (DNS
 * rebinding). Real processes, real sockets.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ApiClient } from "@residual/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServeProcess, spawnServe } from "./support/serve-process.js";

const BIN = resolve(import.meta.dirname, "../../../packages/pipeline/bin/residual.js");

/** One GET with explicit headers (Host included) over node:http. */
function get(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { error?: { code: string } }; auth?: string }> {
  return new Promise((ok, fail) => {
    const req = request(`${url}${path}`, { headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () =>
        ok({
          status: res.statusCode ?? 0,
          json: JSON.parse(body) as { error?: { code: string } },
          ...(res.headers["www-authenticate"] ? { auth: res.headers["www-authenticate"] } : {}),
        }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

async function serveFails(args: string[], env: Record<string, string> = {}) {
  try {
    await promisify(execFile)(process.execPath, [BIN, "serve", "--port", "0", ...args], {
      env: { ...process.env, RESIDUAL_API_TOKEN: "", ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr: "" };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

let store: string;
let remote: ServeProcess;

describe("residual serve: network exposure", () => {
  beforeAll(async () => {
    store = await mkdtemp(join(tmpdir(), "exposure-"));
    remote = await spawnServe(["--store", store, "--host", "0.0.0.0", "--allow-remote"], {
      RESIDUAL_API_TOKEN: "s3cret-token",
    });
  });
  afterAll(async () => {
    await remote?.stop();
  });

  it("refuses a non-loopback bind without --allow-remote, and --allow-remote without a token", async () => {
    const bare = await serveFails(["--store", store, "--host", "0.0.0.0"]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^residual: error \[remote_bind_refused\]: refusing to listen on 0\.0\.0\.0/);
    const noToken = await serveFails(["--store", store, "--host", "0.0.0.0", "--allow-remote"]);
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringContaining("[token_required]")]);
  });

  it("with --allow-remote and a token: warns, requires the bearer token except on /healthz, checks Host", async () => {
    const port = new URL(remote.url).port;
    const url = `http://127.0.0.1:${port}`;
    await expect.poll(() => remote.stderr()).toMatch(/WARNING: listening on 0\.0\.0\.0/);
    const anonymous = await get(url, "/v1/models");
    expect([anonymous.status, anonymous.json.error?.code, anonymous.auth]).toEqual([
      401,
      "unauthorized",
      'Bearer realm="residual"',
    ]);
    const wrong = await get(url, "/v1/models", { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    const bearer = { authorization: "Bearer s3cret-token" };
    expect((await get(url, "/v1/models", bearer)).status).toBe(200);
    expect((await get(url, "/openapi.json")).status).toBe(401);
    expect((await get(url, "/healthz")).status).toBe(200);
    const rebound = await get(url, "/v1/models", { ...bearer, host: `rebind.attacker.example:${port}` });
    expect([rebound.status, rebound.json.error?.code]).toEqual([403, "host_not_allowed"]);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await get(url, "/v1/models", { ...bearer, host })).status, host).toBe(200);
    }
  });

  it("serves the dashboard's static page without the token (it asks for it), never the data behind it", async () => {
    const url = `http://127.0.0.1:${new URL(remote.url).port}`;
    const page = await fetch(`${url}/`);
    expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    expect((await fetch(`${url}/dashboard/ui.js`)).status).toBe(200);
    expect((await get(url, "/v1/jobs")).status).toBe(401);
    expect((await get(url, "/", { host: "rebind.attacker.example" })).status).toBe(403);
  });

  it("ApiClient sends the token, and says plainly when it has none or a wrong one", async () => {
    const url = `http://127.0.0.1:${new URL(remote.url).port}`;
    await expect(new ApiClient(url, "s3cret-token").checkAccess()).resolves.toBeUndefined();
    await expect(new ApiClient(url, "s3cret-token").job("no-such-job")).resolves.toBeUndefined();
    await expect(new ApiClient(url).checkAccess()).rejects.toMatchObject({
      code: "unauthorized",
      httpStatus: 401,
      message: expect.stringContaining(
        "needs an API token (HTTP 401): pass --token <t> or set RESIDUAL_API_TOKEN",
      ),
    });
    await expect(new ApiClient(url, "wrong").job("x")).rejects.toMatchObject({
      code: "unauthorized",
      message: expect.stringContaining("refused the API token"),
    });
  });

  it("residual demo against a token server without --token: one clear line, before any upload", async () => {
    const url = `http://127.0.0.1:${new URL(remote.url).port}`;
    const run = (extra: string[]) =>
      promisify(execFile)(
        process.execPath,
        [BIN, "demo", "--url", url, "--store", store, "--classes", "2", "--per-class", "4", ...extra],
        { env: { ...process.env, RESIDUAL_API_TOKEN: "" }, timeout: 60_000 },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    const anonymous = await run([]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^residual: error \[unauthorized\]: .*needs an API token/m);
    await expect(readdir(join(store, "datasets"))).rejects.toThrow(); // nothing was uploaded
  });

  it("a loopback server without a token still rejects foreign Host names (DNS rebinding)", async () => {
    const local = await spawnServe(["--store", store], { RESIDUAL_API_TOKEN: "" });
    try {
      const port = new URL(local.url).port;
      expect((await get(local.url, "/v1/models")).status).toBe(200);
      expect((await get(local.url, "/v1/models", { host: `localhost:${port}` })).status).toBe(200);
      const rebound = await get(local.url, "/v1/models", { host: `evil.example:${port}` });
      expect([rebound.status, rebound.json.error?.code]).toEqual([403, "host_not_allowed"]);
      expect((await get(local.url, "/healthz", { host: "evil.example" })).status).toBe(403);
    } finally {
      await local.stop();
    }
  });
});
