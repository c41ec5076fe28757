// Local HTTP server (hono + @hono/node-server) over the serving core.

export { createApp } from "./create-app.js";
export type { RunningServer, StartServerOptions } from "./start-server.js";
export { startServer } from "./start-server.js";
