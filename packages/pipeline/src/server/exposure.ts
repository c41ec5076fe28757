/**
 * Who may reach the local server. Loopback binds need nothing; any other bind (`--host 0.0.0.0`, a LAN address)
 * is refused unless the caller says `--allow-remote` and sets a token, since the API has no other auth. Every
 * request's Host header must name the server (DNS rebinding: a web page whose name resolves to 127.0.0.1 sends
 * its own name), and with a token every route but the liveness probe needs `Authorization: Bearer <token>`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";
import { InvalidInputError } from "../errors.js";

/**
 * What the caller asked for.
 * @example
 * const o: ExposureOptions = { host: "0.0.0.0", allowRemote: true, token: "s3cret" };
 */
export interface ExposureOptions {
  /** The interface to bind. */
  host: string;
  /** Bind a non-loopback interface (needs `token`). @default false */
  allowRemote?: boolean;
  /** The bearer token requests must carry. @default none (loopback only) */
  token?: string;
}

/**
 * The server's access rules, decided once before it listens.
 * @example
 * const e: Exposure = resolveExposure({ host: "127.0.0.1" }); // { remote: false, allowedHosts: [...] }
 */
export interface Exposure {
  /** The bind is not loopback (the CLI warns). */
  remote: boolean;
  /** Host header names (no port, lower case, IPv6 in brackets) a request may carry. */
  allowedHosts: ReadonlySet<string>;
  token?: string;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** `::1` → `[::1]`; names lower-cased. */
function hostName(host: string): string {
  const h = host.toLowerCase();
  return h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
}

/**
 * True for names and addresses that only this machine can reach.
 * @example
 * isLoopbackHost("127.0.0.1"); // true
 * isLoopbackHost("0.0.0.0"); // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Every name a wildcard bind answers on: this machine's addresses and host name. */
function wildcardNames(): string[] {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return [hostname(), ...addresses];
}

/**
 * The access rules for a bind, or a clear refusal (`remote_bind_refused`, `token_required`).
 * @example
 * resolveExposure({ host: "0.0.0.0" }); // throws remote_bind_refused
 * resolveExposure({ host: "0.0.0.0", allowRemote: true, token: "t" }).remote; // true
 */
export function resolveExposure(o: ExposureOptions): Exposure {
  const remote = !isLoopbackHost(o.host);
  if (remote && !o.allowRemote) {
    throw new InvalidInputError(
      "remote_bind_refused",
      `refusing to listen on ${o.host}: the API would be reachable from other machines. Bind 127.0.0.1, or pass --allow-remote with --token <t> (or RESIDUAL_API_TOKEN)`,
    );
  }
  if (remote && !o.token) {
    throw new InvalidInputError(
      "token_required",
      `--allow-remote on ${o.host} needs a token: pass --token <t> or set RESIDUAL_API_TOKEN`,
    );
  }
  const names = [...LOOPBACK_NAMES, o.host, ...(WILDCARDS.has(o.host) ? wildcardNames() : [])];
  return {
    remote,
    // The bound address itself stays allowed (a client of http://0.0.0.0:8080 sends it); no name rebinds to it.
    allowedHosts: new Set(names.map(hostName)),
    ...(o.token ? { token: o.token } : {}),
  };
}

/**
 * The name in a Host header, without its port.
 * @example
 * hostOfHeader("[::1]:8080"); // "[::1]"
 */
export function hostOfHeader(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  return h.replace(/:\d*$/, "");
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Whether an Authorization header carries the token (compared in constant time).
 * @example
 * bearerMatches("Bearer s3cret", "s3cret"); // true
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? "");
  return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), digest(token));
}
