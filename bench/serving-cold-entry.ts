/**
 * Entry bundled by bench/serving.ts (esbuild) to measure cold start without tsx's on-the-fly compile: start the
 * API over a store and print the URL; on SIGTERM print peak RSS (MiB) and exit.
 */

import { startServer } from "../packages/pipeline/src/server/start-server.js";
import { ServingCore } from "../packages/pipeline/src/serving/serving-core.js";
import { LocalObjectStore } from "../packages/pipeline/src/store/local-object-store.js";

const core = new ServingCore({ store: new LocalObjectStore(process.argv[2] ?? "."), engine: "onnx" });
const server = await startServer({ core, port: 0 });
process.stdout.write(`ready ${server.url}\n`);
process.once("SIGTERM", () => {
  process.stdout.write(`maxrss ${(process.resourceUsage().maxRSS / 1024).toFixed(1)}\n`);
  process.exit(0);
});
