/** `residual export onnx --model <dir> --out <file> [--opset 17]`: a saved tfjs ResNet to ONNX. */
import { writeFile } from "node:fs/promises";
import { exportOnnx, initBackend, loadResNet } from "@residual/resnet";
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";

const ExportOptionsSchema = z.object({
  model: z.string().min(1),
  out: z.string().min(1),
  opset: z.coerce.number().int().min(13).max(23).default(17),
});

async function exportModel(raw: unknown): Promise<void> {
  const parsed = ExportOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `export onnx: ${parsed.error.message}`);
  const o = parsed.data;
  await initBackend({ ...loadConfig("worker").backend, logger: () => undefined });
  const model = await loadResNet(o.model);
  try {
    const bytes = exportOnnx(model, { opset: o.opset });
    await writeFile(o.out, bytes);
    process.stdout.write(
      `residual: wrote ${o.out} (${model.config.arch}, ${bytes.length} bytes, opset ${o.opset})\n`,
    );
  } finally {
    model.dispose();
  }
}

export function register(program: Command): void {
  const exp = program.command("export").description("export models to other formats");
  exp
    .command("onnx")
    .description(
      "export a saved model directory (model.json + weights) to ONNX (NHWC input, features + logits)",
    )
    .requiredOption("--model <dir>", "saved model directory")
    .requiredOption("--out <file>", "output .onnx file")
    .option("--opset <n>", "ONNX opset", "17")
    .action((opts: unknown) => exportModel(opts));
}
