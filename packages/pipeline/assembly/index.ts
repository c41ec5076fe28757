// The train-augment kernel (src/preprocess/augment/augment-kernel.ts loads it). Build: npm run build:wasm -w @residual/pipeline
export { cropResize, heapBase, workBytes } from "./crop-resize";
export { histogram, lookup, pixelMean, saturate } from "./jitter";
