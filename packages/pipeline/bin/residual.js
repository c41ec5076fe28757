#!/usr/bin/env node
// The `residual` CLI. Sources are TypeScript; tsx compiles them on the fly (cached after the first run).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/run-cli.ts");
