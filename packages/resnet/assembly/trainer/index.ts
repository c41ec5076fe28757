// Residual's CPU training engine (src/wasm-trainer/ compiles programs for it and runs its threads).
// Build: npm run build:wasm -w @residual/resnet
export { heapBase, resetCounters, run, workerLoop } from "./control";
