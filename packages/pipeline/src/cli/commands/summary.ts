/**
 * `residual summary <arch> [--num-classes N] [--in-channels C] [--input-size S] [--json]`: parameters, layers and
 * FLOPs of an architecture, as JSON or a table.
 */
import { ARCH_NAMES, createResNet, initBackend, isArchName, type ModelSummary } from "@residual/resnet";
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";

const SummaryOptionsSchema = z.object({
  numClasses: z.coerce.number().int().positive().optional(),
  inChannels: z.coerce.number().int().positive().optional(),
  inputSize: z.coerce.number().int().min(8).max(4096).optional(),
  json: z.boolean().default(false),
});

/** What `--json` prints: the model's summary plus the options it was built with. */
export type SummaryJson = ModelSummary & { numClasses: number; inChannels: number };

function human(s: SummaryJson): string {
  const g = (n: number) => `${(n / 1e9).toFixed(3)} GFLOPs`;
  const rows = [
    ["arch", s.arch],
    ["layers", String(s.layers)],
    ["params", s.params.toLocaleString("en-US")],
    ["trainable params", s.trainableParams.toLocaleString("en-US")],
    ["input", `${s.inChannels}×${s.inputSize}×${s.inputSize}`],
    ["classes", String(s.numClasses)],
    ["feature dim", String(s.featureDim)],
    ["FLOPs", g(s.flops)],
    ...s.flopsPerStage.map((f) => [`  ${f.stage}`, g(f.flops)]),
  ];
  const width = Math.max(...rows.map(([k]) => (k ?? "").length));
  return rows.map(([k, v]) => `${(k ?? "").padEnd(width)}  ${v}`).join("\n");
}

async function summarize(arch: string, raw: unknown): Promise<void> {
  if (!isArchName(arch)) {
    throw new InvalidInputError(
      "unknown_arch",
      `unknown architecture '${arch}'; one of ${ARCH_NAMES.join(", ")}`,
    );
  }
  const parsed = SummaryOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `summary: ${parsed.error.message}`);
  const o = parsed.data;
  await initBackend({ ...loadConfig("worker").backend, logger: () => undefined });
  const model = createResNet(arch, { numClasses: o.numClasses, inChannels: o.inChannels });
  try {
    const s = model.summary(o.inputSize);
    const out: SummaryJson = {
      ...s,
      numClasses: model.config.numClasses,
      inChannels: model.config.inChannels,
    };
    process.stdout.write(o.json ? `${JSON.stringify(out, null, 2)}\n` : `${human(out)}\n`);
  } finally {
    model.dispose();
  }
}

/**
 * Register `summary`.
 * @example
 * // residual summary resnet50 --json
 * register(program);
 */
export function register(program: Command): void {
  program
    .command("summary <arch>")
    .description("parameters, layers and FLOPs of an architecture")
    .option("--num-classes <n>", "classes of the head")
    .option("--in-channels <c>", "input channels")
    .option("--input-size <s>", "input height and width for FLOPs")
    .option("--json", "print JSON")
    .action((arch: string, opts: unknown) => summarize(arch, opts));
}
