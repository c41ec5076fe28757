// Local HTTP server (hono + @hono/node-server) over the serving core.

export { buildBundle, DEFAULT_BUNDLE_DIR } from "./build-bundle.js";
export { createApp } from "./create-app.js";
export type { RunningServer, StartServerOptions } from "./start-server.js";
export { startServer } from "./start-server.js";
