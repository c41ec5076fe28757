/*
 * Entry of tfjs-backend-wasm's pthread workers under Node (see wasm-threads.ts for why it exists). tfjs hands
 * emscripten a `blob:` URL for the worker script and a Blob for the main script; Node's worker_threads accept
 * neither. This file runs the worker script tfjs ships in `wasm-out/` and loads the same build's main script
 * from disk where tfjs would pass the Blob. Plain CommonJS: worker_threads start it without any loader.
 */
"use strict";
const path = require("node:path");
const vm = require("node:vm");

const wasmOut = path.join(
  path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")),
  "wasm-out",
);
const workerScript = path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js");
const mainScript = path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.js");

// The emscripten worker expects to be the script itself: CommonJS globals at global scope.
Object.assign(globalThis, { require, __filename: workerScript });
// As tfjs does before making its Blob: the template literal turned the script's "\n" escapes into newlines.
const source = require(workerScript).wasmWorkerContents.replace(/\n/g, "\\n");
vm.runInThisContext(source, { filename: workerScript });

const importScripts = globalThis.importScripts;
globalThis.importScripts = (url) => importScripts(String(url).startsWith("blob:") ? mainScript : url);
