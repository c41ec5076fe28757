// The `residual` process: run the CLI on this process's arguments (bin/residual.js and the prebuilt bundle).
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
