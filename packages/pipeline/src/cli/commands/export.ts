/** `residual export onnx --model <dir|name[@version]> --out <file> [--opset 17] [--json]`: a saved tfjs ResNet to ONNX. */
import { writeFile } from "node:fs/promises";
import { exportOnnx, initBackend, loadResNet } from "@residual/resnet";
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";
import { cliModelDirectory, withSavedModelOptions } from "../cli-model.js";

const ExportOptionsSchema = z.object({
  model: z.string().min(1),
  out: z.string().min(1),
  opset: z.coerce.number().int().min(13).max(23).default(17),
  store: z.string().optional(),
  json: z.boolean().default(false),
});

async function exportModel(raw: unknown): Promise<void> {
  const parsed = ExportOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `export onnx: ${parsed.error.message}`);
  const o = parsed.data;
  const config = loadConfig("worker");
  const dir = await cliModelDirectory(o.model, o.store, config);
  await initBackend({ ...config.backend, logger: () => undefined });
  const model = await loadResNet(dir);
  try {
    const bytes = exportOnnx(model, { opset: o.opset });
    await writeFile(o.out, bytes);
    const info = { out: o.out, arch: model.config.arch, bytes: bytes.length, opset: o.opset };
    process.stdout.write(
      o.json
        ? `${JSON.stringify(info)}\n`
        : `residual: wrote ${o.out} (${info.arch}, ${info.bytes} bytes, opset ${o.opset})\n`,
    );
  } finally {
    model.dispose();
  }
}

export function register(program: Command): void {
  const exp = program.command("export").description("export models to other formats");
  withSavedModelOptions(
    exp
      .command("onnx")
      .description(
        "export a saved model directory (model.json + weights) to ONNX (NHWC input, features + logits)",
      ),
  )
    .option("--json", "print {out, arch, bytes, opset} as JSON")
    .requiredOption("--out <file>", "output .onnx file")
    .option("--opset <n>", "ONNX opset", "17")
    .action((opts: unknown) => exportModel(opts));
}
