/** `residual jobs [list|show <id>] [--json]`: what the bucket's jobs are doing. */

import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { type JobStatus, listJobs, readJobStatus } from "../../jobs/job-status.js";
import { openCliStore, withStoreOption } from "../store-option.js";

function line(j: JobStatus): string {
  const p = j.progress ? ` epoch ${j.progress.epoch}/${j.progress.epochs}` : "";
  const r = j.result ? ` → ${j.result.model}@${j.result.version}` : "";
  const e = j.error && j.state !== "succeeded" ? ` (${j.error.code}: ${j.error.message})` : "";
  return `${j.id.padEnd(34)} ${j.state.padEnd(9)} ${j.updatedAt}${p}${r}${e}`;
}

async function list(opts: { store?: string; json?: boolean }): Promise<void> {
  const jobs = await listJobs(openCliStore(opts.store, loadConfig("api")), {
    onSkipped: ({ key, reason }) => process.stderr.write(`skipped ${key}: ${reason}\n`),
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
  else if (jobs.length === 0)
    process.stdout.write("no jobs yet: upload a dataset under datasets/ (residual upload <dir|archive>)\n");
  else process.stdout.write(`${jobs.map(line).join("\n")}\n`);
}

export function register(program: Command): void {
  const jobs = withStoreOption(program.command("jobs").description("list training jobs and their status"))
    .option("--json", "machine-readable output")
    .action((opts: { store?: string; json?: boolean }) => list(opts));
  withStoreOption(jobs.command("list").description("list jobs, newest first"))
    .option("--json", "machine-readable output")
    .action((opts: { store?: string; json?: boolean }, cmd: Command) =>
      list({ ...cmd.parent?.opts(), ...opts }),
    );
  withStoreOption(jobs.command("show <id>").description("one job's status document"))
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { store?: string; json?: boolean }, cmd: Command) => {
      const o = { ...cmd.parent?.opts(), ...opts };
      const status = await readJobStatus(openCliStore(o.store, loadConfig("api")), id);
      process.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : `${line(status)}\n`);
    });
}
