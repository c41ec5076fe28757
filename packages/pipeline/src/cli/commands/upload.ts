/** `residual upload <dir|archive> [--name N] [--store URL]`: put a dataset where uploads start jobs. */
import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { uploadDataset } from "../../jobs/upload.js";
import { uploadedJobId } from "../../jobs/upload-archive.js";
import { openCliStore, withStoreOption } from "../store-option.js";

export function register(program: Command): void {
  withStoreOption(
    program
      .command("upload <path>")
      .description(
        "upload a dataset archive (.zip/.tar/.tar.gz) or a folder of class folders; this starts a fine-tuning job",
      ),
  )
    .option("--name <name>", "dataset (and model) name; default: the archive or folder name")
    .option("--json", "machine-readable output")
    .action(async (path: string, opts: { store?: string; name?: string; json?: boolean }) => {
      const config = loadConfig("api");
      const store = openCliStore(opts.store, config);
      const res = await uploadDataset(store, path, opts.name ? { name: opts.name } : {});
      const jobId = await uploadedJobId(store, res.key);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...res, store: store.url, jobId })}\n`);
        return;
      }
      process.stdout.write(
        `uploaded ${res.files} file(s), ${res.bytes} bytes → ${store.url}/${res.key}\n` +
          (jobId ? `job: ${jobId}  (follow it with: residual jobs show ${jobId})\n` : ""),
      );
    });
}
