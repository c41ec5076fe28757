/** `residual models [list|show <name>] [--json]`: the registry. */

import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { describeModel, listModels, type ModelDescription } from "../../registry/read-model.js";
import { table, wantsJson } from "../output-mode.js";
import { openCliStore, withStoreOption } from "../store-option.js";

interface Opts {
  store?: string;
  json?: boolean;
}

async function list(o: Opts): Promise<void> {
  const models = await listModels(openCliStore(o.store, loadConfig("api")));
  if (o.json) process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
  else if (models.length === 0)
    process.stdout.write("no models yet: train one (residual train) or publish one\n");
  else process.stdout.write(`${models.map((m) => `${m.name.padEnd(32)} ${m.latest}`).join("\n")}\n`);
}

/** `models show` on a terminal: one field per line. */
function describe(d: ModelDescription): string {
  const top1 = (d.metrics as { val?: { top1?: number } } | undefined)?.val?.top1;
  return table([
    ["name", d.name],
    ["latest", d.latest],
    ["versions", d.versions.join(", ")],
    ...(d.labels ? [["labels", d.labels.join(", ")]] : []),
    ...(top1 !== undefined ? [["val top-1", `${(100 * top1).toFixed(1)}%`]] : []),
  ]);
}

export function register(program: Command): void {
  const models = withStoreOption(program.command("models").description("list and describe published models"))
    .option("--json", "machine-readable output")
    .action((o: Opts) => list(o));
  withStoreOption(models.command("list").description("every model and its latest version"))
    .option("--json", "machine-readable output")
    .action((o: Opts, cmd: Command) => list({ ...cmd.parent?.opts(), ...o }));
  withStoreOption(models.command("show <name>").description("versions, labels, metrics of a model"))
    .option("--json", "machine-readable output (the default when stdout is not a terminal)")
    .action(async (name: string, o: Opts, cmd: Command) => {
      const flags = { ...cmd.parent?.opts(), ...o };
      const d = await describeModel(openCliStore(flags.store, loadConfig("api")), name);
      process.stdout.write(wantsJson(flags.json) ? `${JSON.stringify(d, null, 2)}\n` : `${describe(d)}\n`);
    });
}
