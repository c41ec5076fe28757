// The Residual dashboard: a hash-routed page over the public JSON API only (see /openapi.json).
import { confusionChart, esc, lineChart } from "./charts.js";
import { tarFiles } from "./tar.js";

const view = document.getElementById("view");
let timer;

async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status}`);
  return body;
}

const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "–");
const fix = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "–");
const badge = (s) => `<span class="badge state-${esc(s)}">${esc(s)}</span>`;
const stat = (label, value) => `<div class="stat"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
const ago = (iso) => {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90
    ? `${Math.round(s)} s ago`
    : s < 5400
      ? `${Math.round(s / 60)} min ago`
      : new Date(iso).toLocaleString();
};
const eta = (s) => (Number.isFinite(s) ? (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`) : "–");

function progressOf(job) {
  const p = job.progress;
  if (job.state === "succeeded") return 1;
  if (!p?.epochs) return 0;
  const inEpoch = p.steps ? (p.step ?? 0) / p.steps : 0;
  return Math.min(1, (Math.max(0, p.epoch - (inEpoch > 0 ? 1 : 0)) + inEpoch) / p.epochs);
}

function progressBar(job) {
  return `<div class="bar" title="${pct(progressOf(job))}"><i style="width:${(progressOf(job) * 100).toFixed(1)}%"></i></div>`;
}

/** Re-render every `ms` while `again()` says so (a navigation cancels it). */
function every(ms, render) {
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

async function jobsView() {
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

async function jobView(id) {
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

async function modelsView() {
  const { models } = await api("/v1/models");
  const rows = models
    .map(
      (m) =>
        `<tr><td><a href="#/models/${encodeURIComponent(m.name)}">${esc(m.name)}</a></td><td class="muted">${esc(m.latest)}</td></tr>`,
    )
    .join("");
  view.innerHTML = `<h1>Models</h1><div class="card">${
    models.length
      ? `<table><thead><tr><th>model</th><th>latest version</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p class="muted">No published models yet.</p>`
  }</div>`;
}

function curves(history) {
  const h = history ?? [];
  return `<div class="card"><h2>Loss</h2>${lineChart([
    { name: "train", values: h.map((e) => e.trainLoss) },
    { name: "val", values: h.map((e) => e.valLoss) },
  ])}</div><div class="card"><h2>Top-1</h2>${lineChart(
    [
      { name: "train", values: h.map((e) => e.trainTop1) },
      { name: "val", values: h.map((e) => e.valTop1) },
    ],
    { yMin: 0, yMax: 1 },
  )}</div>`;
}

function perClassCard(perClass) {
  const rows = (perClass ?? [])
    .map(
      (c) =>
        `<tr><td>${esc(c.label)}</td><td class="num">${fix(c.precision)}</td><td class="num">${fix(c.recall)}</td><td class="num">${fix(c.f1)}</td><td class="num">${c.support}</td></tr>`,
    )
    .join("");
  return `<div class="card"><h2>Per class</h2><table><thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

async function versionView(name, version) {
  const model = await api(`/v1/models/${encodeURIComponent(name)}`);
  const v = version ?? model.latest;
  const d = await api(`/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(v)}`);
  const m = d.metrics ?? {};
  const labels = Array.isArray(d.labels) ? d.labels : (m.perClass ?? []).map((c) => c.label);
  const versions = model.versions
    .map(
      (x) =>
        `<option ${x === v ? "selected" : ""} value="${esc(x)}">${esc(x)}${x === model.latest ? " (latest)" : ""}</option>`,
    )
    .join("");
  const files = d.files
    .map(
      (f) =>
        `<tr><td><code>${esc(f.name)}</code></td><td class="num">${(f.bytes / 1024).toFixed(1)} KiB</td></tr>`,
    )
    .join("");
  view.innerHTML = `<h1>${esc(name)} <select id="version">${versions}</select> <a href="#/try/${encodeURIComponent(name)}@${encodeURIComponent(v)}" id="try-model">try it →</a></h1>
    <div class="grid">
      <div class="card wide"><div class="stats">${stat("val top-1", pct(m.val?.top1))}${stat("macro F1", fix(m.val?.macroF1))}${stat("NLL", fix(m.val?.nll))}${stat("ECE", fix(m.val?.ece))}${stat("epochs", m.epochsRun ?? (m.history ?? []).length)}${stat("classes", labels.length)}</div></div>
      ${curves(m.history)}
      <div class="card"><h2>Confusion matrix</h2>${m.confusion ? confusionChart(labels, m.confusion) : '<p class="muted">none</p>'}</div>
      ${perClassCard(m.perClass)}
      <div class="card"><h2>Calibration</h2><div class="stats">${stat("temperature", fix(m.calibrated?.temperature ?? d.calibration?.temperature))}${stat("ECE before", fix(m.val?.ece))}${stat("ECE after", fix(m.calibrated?.ece))}${stat("NLL after", fix(m.calibrated?.nll))}${stat("unknown below", fix(d.calibration?.threshold))}</div></div>
      <div class="card"><h2>Files</h2><table><tbody>${files}</tbody></table></div>
      <div class="card wide"><h2>Model card</h2><pre class="card-md">${esc(d.modelCard ?? "(none)")}</pre></div>
    </div>`;
  document.getElementById("version").addEventListener("change", (e) => {
    location.hash = `#/models/${encodeURIComponent(name)}/${encodeURIComponent(e.target.value)}`;
  });
}

async function classify(ref, file, out) {
  out.innerHTML = '<p class="muted">classifying…</p>';
  const q = new URLSearchParams({ topK: "5", ...(ref ? { model: ref } : {}) });
  const res = await api(`/v1/classify?${q}`, {
    method: "POST",
    headers: { "content-type": file.type || "image/png" },
    body: file,
  });
  const r = res.results[0];
  const bars = r.predictions
    .map(
      (p) =>
        `<div class="pred"><span>${esc(p.label)}</span><div class="bar"><i style="width:${(p.score * 100).toFixed(1)}%"></i></div><span class="num">${pct(p.score)}</span></div>`,
    )
    .join("");
  out.innerHTML = `<h2>${esc(res.model)}@${esc(res.version)}</h2><div id="predictions">${bars}</div>
    ${r.unknown ? '<p class="warn">below the calibrated threshold: probably none of these classes</p>' : ""}
    <p class="muted">Nearest validation neighbours need stored validation embeddings; this bucket keeps class centroids only.</p>`;
}

async function tryView(ref) {
  const { models } = await api("/v1/models");
  const opts = models
    .map(
      (m) =>
        `<option value="${esc(m.name)}" ${ref?.split("@")[0] === m.name ? "selected" : ""}>${esc(m.name)}</option>`,
    )
    .join("");
  view.innerHTML = `<h1>Try an image</h1><div class="grid"><div class="card">
      <div class="row"><label>model <select id="model">${ref && !models.some((m) => m.name === ref.split("@")[0]) ? `<option>${esc(ref)}</option>` : ""}${opts}</select></label></div>
      <label class="drop" id="drop">Drop an image here, or click to pick one<input id="image" type="file" accept="image/*" hidden></label>
      <p><img id="preview" class="preview" alt="" hidden></p></div>
      <div class="card" id="result"><p class="muted">Top-5 classes appear here.</p></div></div>`;
  const select = document.getElementById("model");
  const drop = document.getElementById("drop");
  const go = (file) => {
    const img = document.getElementById("preview");
    img.src = URL.createObjectURL(file);
    img.hidden = false;
    const chosen = select.value === ref?.split("@")[0] ? ref : select.value;
    classify(chosen, file, document.getElementById("result")).catch((err) => {
      document.getElementById("result").innerHTML = `<p class="error">${esc(err.message)}</p>`;
    });
  };
  document
    .getElementById("image")
    .addEventListener("change", (e) => e.target.files[0] && go(e.target.files[0]));
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) go(e.dataTransfer.files[0]);
  });
}

function uploadView() {
  view.innerHTML = `<h1>Upload a dataset</h1><div class="card"><form class="row" id="upload">
      <label>name <input id="name" type="text" required placeholder="flowers"></label>
      <label>archive <input id="archive" type="file" accept=".zip,.tar,.tar.gz,.tgz"></label>
      <label>or folder <input id="folder" type="file" webkitdirectory multiple></label>
      <button id="send">Upload and train</button></form>
      <p class="muted">A .zip / .tar / .tar.gz of class folders (with an optional residual.json), or a folder of class folders. The upload starts a training job.</p>
      <p id="upload-status"></p></div>`;
  document.getElementById("upload").addEventListener("submit", async (e) => {
    e.preventDefault();
    const status = document.getElementById("upload-status");
    const archive = document.getElementById("archive").files[0];
    const folder = document.getElementById("folder").files;
    const name = document.getElementById("name").value.trim();
    try {
      if (!archive && folder.length === 0) throw new Error("pick an archive or a folder");
      document.getElementById("send").disabled = true;
      status.textContent = "uploading…";
      const body = archive ?? (await tarFiles([...folder]));
      const res = await api(`/v1/datasets?name=${encodeURIComponent(name)}`, { method: "POST", body });
      location.hash = `#/jobs/${encodeURIComponent(res.jobId)}`;
    } catch (err) {
      status.innerHTML = `<span class="error">${esc(err.message)}</span>`;
      document.getElementById("send").disabled = false;
    }
  });
}

async function health() {
  const el = document.getElementById("health");
  try {
    await api("/readyz");
    el.className = "health ok";
    el.textContent = "ready";
  } catch {
    el.className = "health bad";
    el.textContent = "not ready";
  }
}

async function route() {
  clearTimeout(timer);
  const [, page, a, b] = location.hash.split("/").map(decodeURIComponent);
  for (const link of document.querySelectorAll("nav a"))
    link.classList.toggle("active", link.dataset.nav === (page || "jobs"));
  try {
    if (page === "jobs" && a) await jobView(a);
    else if (page === "models" && a) await versionView(a, b);
    else if (page === "models") await modelsView();
    else if (page === "try") await tryView(a);
    else if (page === "upload") uploadView();
    else await jobsView();
  } catch (err) {
    view.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

window.addEventListener("hashchange", route);
route();
health();
setInterval(health, 10000);
