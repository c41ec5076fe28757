/**
 * `npm run bench [-- <name>…]`: every benchmark in this folder (or the named ones, e.g. `serving forward`), one
 * after another in its own process (they measure CPU time: never two at once), then one line per benchmark
 * with its exit status and wall time (`bulk`: local bulk throughput vs a bare ORT loop). Each benchmark prints its
 * own ratios against its peer. `gpu-step` (ResNet-50
 * at batch 64: GPU-sized, run by bench/gpu-smoke.sh inside the trainer image) runs only when named.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

const HERE = import.meta.dirname;
const ONLY_WHEN_NAMED = new Set(["gpu-step"]);
const all = readdirSync(HERE)
  .filter((f) => f.endsWith(".ts") && f !== basename(import.meta.filename))
  .map((f) => f.slice(0, -3))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown ${unknown.join(", ")}; available: ${all.join(", ")}\n`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : all.filter((n) => !ONLY_WHEN_NAMED.has(n));
const results: string[] = [];
for (const name of names) {
  process.stdout.write(`\n=== bench/${name}.ts\n`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", "tsx", join(HERE, `${name}.ts`)], {
    stdio: "inherit",
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  results.push(
    `${name.padEnd(20)} ${run.status === 0 ? "ok" : `failed (${run.status ?? run.signal})`} ${seconds} s`,
  );
}
process.stdout.write(`\n${results.join("\n")}\n`);
process.exitCode = results.some((r) => r.includes("failed")) ? 1 : 0;
