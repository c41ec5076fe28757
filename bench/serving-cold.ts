/**
 * Cold-start section of bench/serving.ts: spawn `residual serve` → listening → first ResNet-50 embedding, for the
 * prebuilt bundle and the tsx bin, with and without `--preload`, alternating configurations round by round (the
 * machine is shared). Also the child's CPU time at the first embedding (less load-sensitive than wall time) and
 * its peak RSS after 20 more requests.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LocalObjectStore } from "@residual/pipeline";
import { onnxSessionOptions, openOrtSession } from "@residual/pipeline/testing";

const BIN = resolve("packages/pipeline/bin/residual.js");

interface Start {
  listenMs: number;
  firstMs: number;
  cpuMs: number;
  rssMiB?: number;
}

/** utime + stime of a process in ms, and its peak RSS in MiB (Linux /proc). */
function procStats(pid: number): { cpuMs: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const hwm = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
  return { cpuMs: (Number(stat[11]) + Number(stat[12])) * 10, rssMiB: hwm / 1024 };
}

async function once(entry: string, dir: string, img: Buffer, preload: boolean, rss = false): Promise<Start> {
  const args = [entry, "serve", "--port", "0", "--store", dir, ...(preload ? ["--preload", "r50"] : [])];
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const url = await new Promise<string>((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`serve exited with ${code}: ${out}`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/on (http:\/\/\S+)/);
      if (m) ok(m[1]!);
    });
  });
  const listenMs = performance.now() - start;
  const post = async () => {
    const r = await fetch(`${url}/v1/embeddings?model=r50`, {
      method: "POST",
      body: new Uint8Array(img),
      headers: { "content-type": "image/jpeg" },
    });
    if (r.status !== 200) throw new Error(`status ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
  };
  await post();
  const firstMs = performance.now() - start;
  const { cpuMs } = procStats(child.pid!);
  let rssMiB: number | undefined;
  if (rss) {
    for (let i = 0; i < 20; i++) await post();
    rssMiB = procStats(child.pid!).rssMiB;
  }
  child.removeAllListeners("exit");
  await new Promise((done) => {
    child.once("exit", done);
    child.kill("SIGTERM");
  });
  return { listenMs, firstMs, cpuMs, ...(rssMiB !== undefined ? { rssMiB } : {}) };
}

/** Delete (or create, awaiting the write) the ORT-format cache of every model version under `models/r50/`. */
async function setCache(dir: string, present: boolean): Promise<void> {
  const store = new LocalObjectStore(dir);
  const prefixes = new Set<string>();
  for await (const o of store.list("models/r50/")) {
    if (o.key.includes("/ort-cache/")) await store.delete(o.key);
    if (o.key.endsWith("/model.onnx")) prefixes.add(o.key.slice(0, -"model.onnx".length));
  }
  if (!present) return;
  for (const prefix of prefixes) {
    const info = (await store.head(`${prefix}model.onnx`))!;
    const s = await openOrtSession({ store, prefix }, info, onnxSessionOptions(), "worker");
    await s.saved;
    await s.runner.release();
  }
}

const fmt = (x: number) => x.toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * @example
 * await coldStart(storeDir, jpegBytes, await buildBundle());
 */
export async function coldStart(dir: string, img: Buffer, bundle: string): Promise<void> {
  console.log(
    "\n== cold start: spawn → first resnet50 embedding (median of 3, configurations alternating) ==",
  );
  await setCache(dir, false);
  const first = await once(bundle, dir, img, true);
  console.log(
    `first-ever start (no ORT-format cache, bundle, --preload): listening ${fmt(first.listenMs)} ms, first embedding ${fmt(first.firstMs)} ms`,
  );
  await setCache(dir, true);
  const configs = [
    ["bundle --preload", bundle, true],
    ["bundle", bundle, false],
    ["tsx bin --preload", BIN, true],
    ["tsx bin", BIN, false],
  ] as const;
  const results = new Map<string, Start[]>(configs.map(([name]) => [name, []]));
  for (let round = 0; round < 3; round++) {
    for (const [name, entry, preload] of configs) {
      results
        .get(name)!
        .push(await once(entry, dir, img, preload, round === 2 && name === "bundle --preload"));
    }
  }
  for (const [name, runs] of results) {
    const rss = runs.find((r) => r.rssMiB !== undefined)?.rssMiB;
    console.log(
      `${name.padEnd(18)} listening ${fmt(median(runs.map((r) => r.listenMs)))} ms | first embedding ${fmt(median(runs.map((r) => r.firstMs)))} ms (target ≤ 1000) | child CPU ${fmt(median(runs.map((r) => r.cpuMs)))} ms${rss ? ` | peak RSS after 21 requests ${rss.toFixed(0)} MiB` : ""}`,
    );
  }
}
