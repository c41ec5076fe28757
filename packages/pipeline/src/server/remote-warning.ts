/** The one warning a server bound beyond loopback prints (serve and start). */

/**
 * What `residual serve/start --allow-remote` print on stderr.
 * @example
 * process.stderr.write(`${remoteWarning("0.0.0.0")}\n`);
 */
export function remoteWarning(host: string): string {
  return `residual: WARNING: listening on ${host}, reachable from other machines; every route but /healthz requires Authorization: Bearer <token>, and traffic is plain HTTP (put TLS in front)`;
}
