/**
 * Entry of the `residual` CLI. Each command lives in `commands/<name>.ts` and exports `register(program)`.
 * Errors end as one line on stderr and a non-zero exit code; `--verbose` adds the stack.
 */
import { Command, CommanderError } from "commander";
import { formatCliError } from "./errors.js";

type Registrar = (program: Command) => void;

/**
 * Command modules by command name, in the order `--help` lists them. Only the invoked command's module is loaded
 * (start-up stays fast: `serve` never loads the trainer); `--help` and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<{ register: Registrar }>> = {
  start: () => import("./commands/start.js"),
  demo: () => import("./commands/demo.js"),
  upload: () => import("./commands/upload.js"),
  jobs: () => import("./commands/jobs.js"),
  worker: () => import("./commands/worker.js"),
  train: () => import("./commands/train.js"),
  serve: () => import("./commands/serve.js"),
  export: () => import("./commands/export.js"),
  embed: () => import("./commands/embed.js"),
  classify: () => import("./commands/classify.js"),
  bulk: () => import("./commands/bulk.js"),
  models: () => import("./commands/models.js"),
  summary: () => import("./commands/summary.js"),
  weights: () => import("./commands/weights.js"),
  prototypes: () => import("./commands/prototypes.js"),
  infer: () => import("./commands/infer.js"),
};

export async function main(argv: string[]): Promise<number> {
  const program = new Command("residual")
    .description("Transfer learning with ResNets: datasets in, fine-tuned models and embeddings out.")
    .option("--verbose", "print stack traces on errors")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  const only = argv.find((a) => !a.startsWith("-"));
  const loaders = only && COMMANDS[only] ? [COMMANDS[only]] : Object.values(COMMANDS);
  for (const load of loaders) (await load()).register(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`${formatCliError(err, argv.includes("--verbose"))}\n`);
    return 1;
  }
}
