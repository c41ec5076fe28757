// A worker thread's first module for entries that run through tsx (see module-worker.ts): plain JavaScript, it
// runs before any loader exists; it registers tsx in this thread, then loads the entry.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
