// Shared pieces of the dashboard's views: the API call, formatting, and the one polling timer.
import { esc } from "./charts.js";

export const view = document.getElementById("view");
let timer;

// A server started with --token wants `Authorization: Bearer <token>` on every API call; the page keeps the
// token for this tab only (sessionStorage), never in the URL.
const TOKEN_KEY = "residual.token";

/** Thrown by `api` on 401: the view shows the sign-in form instead of an error. */
export class TokenNeeded extends Error {}

export async function api(path, init = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(path, { ...init, headers });
  const body = await res.json();
  if (res.status === 401) {
    if (token) sessionStorage.removeItem(TOKEN_KEY);
    throw new TokenNeeded(token ? "the server refused this token" : "this server needs its API token");
  }
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status}`);
  return body;
}

/** The sign-in form shown when the API answers 401; the page reloads with the token once it is entered. */
export function signIn(reason) {
  view.innerHTML = `<form id="sign-in" class="card">
    <h1>Sign in</h1><p class="muted">${esc(reason)}: the one given to <code>residual start/serve --token</code>
    (or <code>RESIDUAL_API_TOKEN</code>). It is kept in this tab only.</p>
    <input id="token" type="password" autocomplete="current-password" required placeholder="API token">
    <button id="sign-in-send" type="submit">Sign in</button></form>`;
  document.getElementById("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value);
    location.reload();
  });
}

export const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "–");
export const fix = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "–");
export const badge = (s) => `<span class="badge state-${esc(s)}">${esc(s)}</span>`;
export const stat = (label, value) =>
  `<div class="stat"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
export const ago = (iso) => {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90
    ? `${Math.round(s)} s ago`
    : s < 5400
      ? `${Math.round(s / 60)} min ago`
      : new Date(iso).toLocaleString();
};
export const eta = (s) =>
  Number.isFinite(s) ? (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`) : "–";

function progressOf(job) {
  const p = job.progress;
  if (job.state === "succeeded") return 1;
  if (!p?.epochs) return 0;
  const inEpoch = p.steps ? (p.step ?? 0) / p.steps : 0;
  return Math.min(1, (Math.max(0, p.epoch - (inEpoch > 0 ? 1 : 0)) + inEpoch) / p.epochs);
}

export function progressBar(job) {
  return `<div class="bar" title="${pct(progressOf(job))}"><i style="width:${(progressOf(job) * 100).toFixed(1)}%"></i></div>`;
}

/** Re-render every `ms` while `again()` says so (a navigation cancels it). */
export function every(ms, render) {
  const tick = async () => {
    let again = false;
    try {
      again = await render();
    } catch (err) {
      if (err instanceof TokenNeeded) return signIn(err.message);
      view.insertAdjacentHTML("afterbegin", `<p class="error">${esc(err.message)}</p>`);
    }
    if (again) timer = setTimeout(tick, ms);
  };
  return tick();
}

/** Stop the current view's polling (a navigation). */
export function cancelPolling() {
  clearTimeout(timer);
}
