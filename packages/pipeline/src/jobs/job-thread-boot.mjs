// A job thread's first module: the pipeline is TypeScript run through tsx (as bin/residual.js runs it), so the
// thread registers tsx and then loads its entry. Plain JavaScript: it runs before any loader exists.
import { register } from "tsx/esm/api";

register();
await import("./job-thread-main.ts");
