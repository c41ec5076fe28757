/**
 * The worker-thread side of `ort-worker.ts`: one session, driven by `open`, `run` and `release` messages. The
 * session code is the same as on the calling thread (`session-core.ts`); errors go back as messages.
 */
import { parentPort } from "node:worker_threads";
import ort from "onnxruntime-node";
import { type CreatedSession, createSession, runSession } from "./session-core.js";

interface Message {
  id: number;
  type: "open" | "run" | "release";
  buffer?: ArrayBuffer | Float32Array;
  options?: Parameters<typeof createSession>[2];
  dims?: [number, number, number, number];
}

let created: CreatedSession | undefined;

async function handle(m: Message): Promise<void> {
  const port = parentPort!;
  if (m.type === "open") {
    created = await createSession(ort, new Uint8Array(m.buffer as ArrayBuffer), m.options ?? {});
    port.postMessage({ id: m.id, channels: created.channels, outputs: created.outputs });
  } else if (m.type === "run") {
    if (!created) throw new Error("no session");
    const [n, size] = m.dims!;
    const out = await runSession(ort, created, m.buffer as Float32Array, n, size);
    port.postMessage({ id: m.id, ...out }, [
      out.features.buffer as ArrayBuffer,
      out.logits.buffer as ArrayBuffer,
    ]);
  } else {
    await created?.session.release();
    created = undefined;
    port.postMessage({ id: m.id });
  }
}

parentPort!.on("message", (m: Message) => {
  handle(m).catch((err: unknown) => {
    parentPort!.postMessage({ id: m.id, error: String((err as Error)?.message ?? err), stage: m.type });
  });
});
