/**
 * Does the API stay responsive while a job trains? Starts `residual start` (a fresh home, port 0), uploads a
 * generated small-image dataset, and while the job trains samples `GET /healthz` every 50 ms (one request at a
 * time, each timed from send to full response), then prints p50/p99/max latency for the training window and for
 * an idle window before it (the event loop is what is measured, not a model).
 *
 * Run: node --import tsx bench/api-during-training.ts [--seconds 60]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeGlyphDataset } from "../test/support/glyphs.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "60" } } });
const windowMs = Number(values.seconds) * 1000;
const HERE = import.meta.dirname;
const BIN = join(HERE, "../packages/pipeline/bin/residual.js");

function startPipeline(home: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "start", "--home", home, "--port", "0", "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.stderr!.on("data", (d: Buffer) => {
      if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    });
    child.on("exit", (code) => reject(new Error(`residual start exited ${code}`)));
  });
}

/** Latencies of sequential /healthz requests; a failed request (reset, refused) counts in `failed`. */
async function sample(url: string, until: () => boolean, maxMs: number) {
  const times: number[] = [];
  let failed = 0;
  const end = performance.now() + maxMs;
  while (until() && performance.now() < end) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      if (!res.ok) failed++;
    } catch {
      failed++;
    }
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { times, failed };
}

function stats(name: string, { times: xs, failed }: { times: number[]; failed: number }): void {
  if (xs.length === 0) {
    console.log(`${name.padEnd(26)} no samples`);
    return;
  }
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  console.log(
    `${name.padEnd(26)} n=${s.length}  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  max ${s.at(-1)!.toFixed(1)} ms  failed ${failed}`,
  );
}

const data = await writeGlyphDataset({
  dir: join(HERE, "../.bench-out/glyphs-1000-200"),
  train: 1000,
  val: 200,
});
const home = await mkdtemp(join(tmpdir(), "residual-api-bench-"));
const { child, url } = await startPipeline(home);
try {
  stats("idle", await sample(url, () => true, 3000));
  const upload = join(home, "upload-glyphs");
  await cp(data, upload, { recursive: true });
  await writeFile(join(upload, "residual.json"), JSON.stringify({ arch: "cifar_resnet20", epochs: 3 }));
  // A folder upload is announced by its residual.json; move the finished folder in at once.
  await rename(upload, join(home, "datasets", "glyphs"));
  let state = "queued";
  // The job's status as the worker writes it (jobs/<id>/status.json in the local bucket).
  const poll = setInterval(async () => {
    const ids = await readdir(join(home, "jobs")).catch(() => [] as string[]);
    const raw = ids[0]
      ? await readFile(join(home, "jobs", ids[0], "status.json"), "utf8").catch(() => "")
      : "";
    if (raw) state = (JSON.parse(raw) as { state: string }).state;
  }, 500);
  const waitStart = performance.now();
  while (state !== "running" && performance.now() - waitStart < 60_000)
    await new Promise((r) => setTimeout(r, 200));
  stats("while a job trains", await sample(url, () => state === "running", windowMs));
  clearInterval(poll);
  console.log(`job state at the end of the window: ${state}`);
} finally {
  child.kill("SIGINT");
  await new Promise((r) => child.once("exit", r));
  await rm(home, { recursive: true, force: true });
}
