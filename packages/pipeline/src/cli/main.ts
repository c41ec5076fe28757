/**
 * Entry of the `residual` CLI. Each command lives in `commands/<name>.ts` and exports `register(program)`.
 * Errors end as one line on stderr and a non-zero exit code; `--verbose` adds the stack.
 */
import { Command, CommanderError } from "commander";
import { formatCliError } from "./errors.js";

type Registrar = (program: Command) => void;

/** Command modules, in the order `--help` lists them. */
const COMMANDS: Array<() => Promise<{ register: Registrar }>> = [
  () => import("./commands/upload.js"),
  () => import("./commands/jobs.js"),
  () => import("./commands/train.js"),
  () => import("./commands/serve.js"),
  () => import("./commands/export.js"),
  () => import("./commands/embed.js"),
  () => import("./commands/classify.js"),
  () => import("./commands/models.js"),
];

export async function main(argv: string[]): Promise<number> {
  const program = new Command("residual")
    .description("Transfer learning with ResNets: datasets in, fine-tuned models and embeddings out.")
    .option("--verbose", "print stack traces on errors")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`${formatCliError(err, argv.includes("--verbose"))}\n`);
    return 1;
  }
}
