// The Residual dashboard: a hash-routed page over the public JSON API only (see /openapi.json).
import { esc } from "./charts.js";
import { jobsView, jobView } from "./jobs-view.js";
import { modelsView, versionView } from "./models-view.js";
import { tarFiles } from "./tar.js";
import { api, cancelPolling, pct, signIn, TokenNeeded, view } from "./ui.js";

const NO_NEIGHBOURS =
  '<p class="muted" id="no-neighbours">This model stores no validation embeddings (backbones, prototype models and versions trained before they were stored), so there are no nearest validation neighbours to show.</p>';

/** The k nearest stored validation images of the version that answered, or a note when it stores none. */
async function neighbours(res, file) {
  // Ask only a version that lists neighbours.json, so a model without them costs no failed request.
  const described = await api(
    `/v1/models/${encodeURIComponent(res.model)}/versions/${encodeURIComponent(res.version)}`,
  ).catch(() => undefined);
  if (!described?.files?.some((f) => f.name === "neighbours.json")) return NO_NEIGHBOURS;
  const q = new URLSearchParams({ model: `${res.model}@${res.version}`, k: "5", thumbnails: "true" });
  const near = await api(`/v1/neighbours?${q}`, {
    method: "POST",
    headers: { "content-type": file.type || "image/png" },
    body: file,
  });
  const rows = near.results[0].neighbours
    .map(
      (n) =>
        `<div class="neighbour">${n.thumbnail ? `<img src="${esc(n.thumbnail)}" alt="${esc(n.key)}">` : '<span class="thumb-none"></span>'}<span class="key" title="${esc(n.key)}">${esc(n.key)}</span><span>${esc(n.label)}</span><span class="num">${n.similarity.toFixed(3)}</span></div>`,
    )
    .join("");
  return `<h3>Nearest validation images</h3><div id="neighbours">${rows}</div>`;
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
    <div id="neighbours-box"><p class="muted">looking for the nearest validation images…</p></div>`;
  const box = document.getElementById("neighbours-box");
  box.innerHTML = ref
    ? await neighbours(res, file).catch((err) => `<p class="error">${esc(err.message)}</p>`)
    : NO_NEIGHBOURS;
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
      <div class="card" id="result"><p class="muted">Top-5 classes and the nearest validation images appear here.</p></div></div>`;
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
  cancelPolling();
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
    if (err instanceof TokenNeeded) signIn(err.message);
    else view.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

window.addEventListener("hashchange", route);
route();
health();
setInterval(health, 10000);
