/**
 * Start the API on @hono/node-server (loopback by default).
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ServingCore } from "../serving/serving-core.js";
import { type AppOptions, createApp } from "./create-app.js";
import { resolveExposure } from "./exposure.js";

/**
 * Where and for whom the server listens.
 * @example
 * const o: StartServerOptions = { core, port: 0, host: "0.0.0.0", allowRemote: true, token: "s3cret" };
 */
export interface StartServerOptions {
  core: ServingCore;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Allow a non-loopback `host` (requires `token`). @default false */
  allowRemote?: boolean;
  /** Bearer token every route but `/healthz` requires. @default none */
  token?: string;
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
  /** Listening on a non-loopback interface (token required). */
  remote: boolean;
  close(): Promise<void>;
}

/**
 * Start the API on @hono/node-server (loopback by default); resolves once it listens. A non-loopback host is
 * refused (`remote_bind_refused`) unless `allowRemote` and a `token` are given.
 * @example
 * const server = await startServer({ core: new ServingCore({ store }), port: 0 });
 * await fetch(`${server.url}/healthz`);
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const exposure = resolveExposure({
    host,
    ...(options.allowRemote ? { allowRemote: true } : {}),
    ...(options.token ? { token: options.token } : {}),
  });
  const app = createApp(options.core, exposure, options.log ? { log: options.log } : {});
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port ?? 8080, hostname: host },
      (info: AddressInfo) => {
        resolve({
          url: `http://${host.includes(":") ? `[${host}]` : host}:${info.port}`,
          port: info.port,
          remote: exposure.remote,
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
