/**
 * The dashboard's static files (`packages/pipeline/dashboard/`, committed prebuilt: plain ES modules and CSS, no
 * framework, no CDN), read once into memory and served at `GET /` and `GET /dashboard/<file>` with their content
 * types, an ETag and caching headers (the page revalidates, the assets are cached for an hour).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The folder holding `index.html`: next to `src/` (sources) or to `dist/` (the bundle). */
function dashboardDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, "dashboard");
    if (existsSync(join(candidate, "index.html"))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

function loadAssets(): Map<string, Asset> {
  const dir = dashboardDir();
  const out = new Map<string, Asset>();
  if (!dir) return out;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    out.set(name, { body, type, etag: `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"` });
  }
  return out;
}

function send(c: Context, asset: Asset, cache: string): Response {
  const headers = { "content-type": asset.type, etag: asset.etag, "cache-control": cache };
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(asset.body), 200, headers);
}

/**
 * Serve the dashboard on `app` (nothing is added when the package has no dashboard folder).
 * @example
 * addDashboard(app); // GET / → index.html, GET /dashboard/app.js
 */
export function addDashboard(app: Hono): void {
  const assets = loadAssets();
  const index = assets.get("index.html");
  if (!index) return;
  app.get("/", (c) => send(c, index, "no-cache"));
  app.get("/dashboard/:file", async (c, next) => {
    const asset = assets.get(c.req.param("file"));
    if (!asset) return next();
    return send(c, asset, "public, max-age=3600");
  });
}
