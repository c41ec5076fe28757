// Models and one version: curves, confusion matrix, per-class P/R/F1, calibration, files, model card.
import { confusionChart, esc, lineChart } from "./charts.js";
import { api, fix, pct, stat, view } from "./ui.js";

export async function modelsView() {
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

export async function versionView(name, version) {
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
