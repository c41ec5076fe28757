/**
 * Start the API on @hono/node-server (loopback by default).
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ServingCore } from "../serving/serving-core.js";
import { type AppOptions, createApp } from "./create-app.js";

export interface StartServerOptions {
  core: ServingCore;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Request log entries (with `--log-format json`). */
  log?: AppOptions["log"];
}

/**
 * A listening API server: its URL and how to stop it.
 * @example
 * const server: RunningServer = await startServer({ core, port: 0 });
 * await server.close();
 */
export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Start the API on @hono/node-server (loopback by default); resolves once it listens.
 * @example
 * const server = await startServer({ core: new ServingCore({ store }), port: 0 });
 * await fetch(`${server.url}/healthz`);
 * await server.close();
 */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const app = createApp(options.core, options.log ? { log: options.log } : {});
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port ?? 8080, hostname: host },
      (info: AddressInfo) => {
        resolve({
          url: `http://${host.includes(":") ? `[${host}]` : host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // keep-alive sockets would hold close() open
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    server.once("error", reject);
  });
}
