/**
 * Shows a running job's progress in the terminal of `residual start`. The training runner already logs one line
 * per epoch; on a TTY this adds a redrawn progress bar from the same progress reports that go to status.json, so
 * the job code path stays the one an S3 event takes.
 */
import type { JobRunner } from "../jobs/job-runner.js";
import type { JobProgress } from "../jobs/job-status.js";
import { progressBar } from "./progress-bar.js";

/** Something to write to (process.stderr in the CLI). */
export interface TerminalOut {
  write(text: string): unknown;
}

/**
 * One progress-bar line for a job (no newline).
 *
 * @example
 * progressLine("shapes-1a2b", { epoch: 1, epochs: 4, step: 3, steps: 8 }); // "shapes-1a2b epoch 1/4 [#########---…"
 */
export function progressLine(id: string, p: JobProgress, width = 24): string {
  return progressBar(
    {
      label: id,
      epoch: p.epoch,
      epochs: p.epochs,
      step: p.step ?? 0,
      steps: p.steps ?? 0,
      ...(p.metrics?.loss !== undefined ? { loss: p.metrics.loss } : {}),
      ...(p.imagesPerSecond !== undefined ? { imagesPerSec: p.imagesPerSecond } : {}),
      ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
    },
    width,
  );
}

/**
 * Drop non-finite metric values: a checkpoint report carries NaN loss/lr, which status.json's schema refuses —
 * the whole progress write would fail and the terminal would show a zod dump instead of progress.
 */
function finiteProgress(p: JobProgress): JobProgress {
  if (!p.metrics) return p;
  const metrics = Object.fromEntries(Object.entries(p.metrics).filter(([, v]) => Number.isFinite(v)));
  return { ...p, metrics };
}

/**
 * Wrap `runner` so that progress reports reach status.json with finite metrics only and, when `tty`, every step
 * report redraws a bar on `out` (log lines clear the bar first). Without a TTY, the runner's epoch log lines are
 * the progress.
 *
 * @example
 * const runner = withTerminalProgress(trainingJobRunner(), process.stderr, process.stderr.isTTY === true);
 */
export function withTerminalProgress(runner: JobRunner, out: TerminalOut, tty: boolean): JobRunner {
  return async (ctx) => {
    let drawn = false;
    const clear = () => {
      if (drawn) out.write("\r\x1b[2K");
      drawn = false;
    };
    try {
      return await runner({
        ...ctx,
        log: (line) => {
          clear();
          ctx.log(line);
        },
        reportProgress: async (p) => {
          if (tty && p.steps !== undefined && p.steps > 0) {
            out.write(`\r\x1b[2K${progressLine(ctx.id, p)}`);
            drawn = true;
          }
          await ctx.reportProgress(finiteProgress(p));
        },
      });
    } finally {
      clear();
    }
  };
}
