// The host functions the training engine imports (plain JavaScript: engine-worker.mjs runs without a loader).
// Threads sleep and wake through Atomics on an Int32Array over the shared memory, re-made when it grows.

/** The import object for one instance on `memory`. */
export function engineImports(memory) {
  let view = new Int32Array(memory.buffer);
  const current = () => {
    if (view.buffer !== memory.buffer) view = new Int32Array(memory.buffer);
    return view;
  };
  return {
    env: {
      memory,
      abort() {
        throw new Error("wasm trainer: abort");
      },
      hostWait(addr, expected, ms) {
        Atomics.wait(current(), addr >>> 2, expected, ms);
      },
      hostNotify(addr) {
        Atomics.notify(current(), addr >>> 2);
      },
    },
  };
}
