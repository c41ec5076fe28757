// The jobs list and one job: live state and progress, the dataset report, the log.
import { esc } from "./charts.js";
import { ago, api, badge, eta, every, fix, pct, progressBar, stat, view } from "./ui.js";

export async function jobsView() {
  await every(1000, async () => {
    const { jobs } = await api("/v1/jobs");
    const rows = jobs
      .map(
        (j) => `<tr data-job="${esc(j.id)}">
          <td><a href="#/jobs/${encodeURIComponent(j.id)}">${esc(j.id)}</a></td><td>${badge(j.state)}</td>
          <td>${progressBar(j)}</td>
          <td class="num">${j.progress ? `${j.progress.epoch}/${j.progress.epochs}` : "–"}</td>
          <td class="num">${j.state === "running" ? eta(j.progress?.etaSeconds) : "–"}</td>
          <td>${j.result ? `<a href="#/models/${encodeURIComponent(j.result.model)}/${encodeURIComponent(j.result.version)}">${esc(j.result.model)}</a>` : ""}</td>
          <td class="muted">${esc(ago(j.createdAt))}</td></tr>`,
      )
      .join("");
    view.innerHTML = `<h1>Jobs</h1><div class="card">${
      jobs.length
        ? `<table><thead><tr><th>job</th><th>state</th><th>progress</th><th class="num">epoch</th><th class="num">ETA</th><th>model</th><th>created</th></tr></thead><tbody>${rows}</tbody></table>`
        : `<p class="muted">No jobs yet. <a href="#/upload">Upload a dataset</a> to start one.</p>`
    }</div>`;
    return true;
  });
}

function reportCard(r) {
  const classes = r.classes ?? [];
  const rows = classes
    .map(
      (c) =>
        `<tr><td>${esc(c)}</td><td class="num">${r.counts?.train?.[c] ?? 0}</td><td class="num">${r.counts?.val?.[c] ?? 0}</td></tr>`,
    )
    .join("");
  const skipped = (r.skipped ?? [])
    .map(
      (f) => `<li><code>${esc(f.path)}</code> — ${esc(f.reason)}${f.detail ? `: ${esc(f.detail)}` : ""}</li>`,
    )
    .join("");
  const warnings = (r.warnings ?? []).map((w) => `<li class="warn">${esc(w.message)}</li>`).join("");
  return `<div class="card" id="report"><h2>Dataset report</h2>
    <div class="stats">${stat("classes", classes.length)}${stat("train", r.totals?.train ?? 0)}${stat("val", r.totals?.val ?? 0)}${stat("skipped", r.totals?.skipped ?? 0)}</div>
    <table><thead><tr><th>class</th><th class="num">train</th><th class="num">val</th></tr></thead><tbody>${rows}</tbody></table>
    ${skipped ? `<h2>Skipped images</h2><ul>${skipped}</ul>` : ""}
    ${warnings ? `<h2>Warnings</h2><ul>${warnings}</ul>` : ""}</div>`;
}

export async function jobView(id) {
  let report;
  await every(1000, async () => {
    const { jobs } = await api("/v1/jobs");
    const job = jobs.find((j) => j.id === id);
    if (!job) {
      view.innerHTML = `<h1>${esc(id)}</h1><p class="muted">Waiting for the job to be claimed…</p>`;
      return true;
    }
    const done = job.state === "succeeded" || job.state === "failed";
    if (!report && (job.progress || done))
      report = await api(`/v1/jobs/${encodeURIComponent(id)}/report`).catch(() => null);
    const { lines } = await api(`/v1/jobs/${encodeURIComponent(id)}/log`);
    const p = job.progress ?? {};
    const model = job.result
      ? `<a id="open-model" href="#/models/${encodeURIComponent(job.result.model)}/${encodeURIComponent(job.result.version)}">open model ${esc(job.result.model)} →</a>`
      : "";
    view.innerHTML = `<h1>${esc(id)} <span id="job-state">${badge(job.state)}</span></h1>
      <div class="grid"><div class="card wide"><h2>Progress</h2>${progressBar(job)}
        <div class="stats" style="margin-top:12px">${stat("epoch", `${p.epoch ?? 0}/${p.epochs ?? "?"}`)}${stat("step", p.steps ? `${p.step}/${p.steps}` : "–")}${stat("ETA", job.state === "running" ? eta(p.etaSeconds) : "–")}${stat("images/s", fix(p.imagesPerSecond, 1))}${stat("val top-1", pct(p.metrics?.valTop1))}${stat("attempts", job.attempts)}</div>
        ${job.error ? `<p class="error">${esc(job.error.code)}: ${esc(job.error.message)}</p>` : ""}<p>${model}</p></div>
      ${report ? reportCard(report) : ""}
      <div class="card"><h2>Log</h2><pre class="log">${esc(lines.slice(-200).join("\n")) || "(empty)"}</pre></div></div>`;
    return !done || !report;
  });
}
