#!/usr/bin/env node
// The `residual` CLI. Sources are TypeScript; tsx compiles them on the fly (cached after the first run).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
