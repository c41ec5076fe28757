// Shared pieces of the dashboard's views: the API call, formatting, and the one polling timer.
import { esc } from "./charts.js";

export const view = document.getElementById("view");
let timer;

export async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status}`);
  return body;
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
