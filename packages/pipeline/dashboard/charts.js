// SVG charts drawn in the page from the metrics JSON (no chart library): line curves and a confusion heat map.

/** HTML/SVG-escape a value for a template string. */
export function esc(v) {
  return String(v ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)"];

/**
 * Curves over epochs. series: [{ name, values: number[] }] (one value per epoch; NaN/undefined gaps skipped).
 */
export function lineChart(series, { width = 520, height = 220, yMin, yMax } = {}) {
  const pad = { l: 42, r: 12, t: 10, b: 26 };
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const lo = yMin ?? Math.min(0, ...all);
  const hi = yMax ?? Math.max(lo + 1e-9, ...all) * 1.05;
  const x = (i) => pad.l + (n === 1 ? 0.5 : i / (n - 1)) * (width - pad.l - pad.r);
  const y = (v) => pad.t + (1 - (v - lo) / (hi - lo)) * (height - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  const grid = ticks
    .map(
      (t) =>
        `<line class="axis" x1="${pad.l}" x2="${width - pad.r}" y1="${y(t)}" y2="${y(t)}"/>` +
        `<text x="${pad.l - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`,
    )
    .join("");
  const xTicks = Array.from({ length: n }, (_, i) => i)
    .filter((i) => n <= 12 || i % Math.ceil(n / 12) === 0)
    .map((i) => `<text x="${x(i)}" y="${height - 8}" text-anchor="middle">${i + 1}</text>`)
    .join("");
  const lines = series
    .map((s, k) => {
      const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i)},${y(v)}` : "")).filter(Boolean);
      const dots = pts.map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5"/>`);
      return `<g stroke="${COLORS[k % 4]}" fill="${COLORS[k % 4]}"><polyline fill="none" stroke-width="2" points="${pts.join(" ")}"/>${dots.join("")}</g>`;
    })
    .join("");
  const legend = series
    .map((s, k) => `<span><i style="background:${COLORS[k % 4]}"></i>${esc(s.name)}</span>`)
    .join("");
  return (
    `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img">${grid}${xTicks}${lines}</svg>` +
    `<div class="legend">${legend}<span>epoch →</span></div>`
  );
}

/** Confusion matrix (`matrix[true][predicted]` counts) as a heat map with counts. */
export function confusionChart(labels, matrix) {
  const k = labels.length;
  const cell = Math.max(22, Math.min(56, Math.floor(420 / Math.max(1, k))));
  const left = 110;
  const top = 24;
  const max = Math.max(1, ...matrix.flat());
  const cells = matrix
    .flatMap((row, i) =>
      row.map((v, j) => {
        const a = v === 0 ? 0.04 : 0.15 + 0.85 * (v / max);
        const color = i === j ? "var(--c3)" : "var(--c2)";
        return (
          `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" rx="3" fill="${color}" fill-opacity="${a.toFixed(2)}"><title>${esc(labels[i])} → ${esc(labels[j])}: ${v}</title></rect>` +
          `<text x="${left + j * cell + cell / 2 - 1}" y="${top + i * cell + cell / 2 + 3}" text-anchor="middle">${v}</text>`
        );
      }),
    )
    .join("");
  const rows = labels
    .map(
      (l, i) =>
        `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 3}" text-anchor="end">${esc(l)}</text>`,
    )
    .join("");
  const w = left + k * cell + 10;
  const h = top + k * cell + 20;
  return (
    `<svg viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px" role="img">` +
    `<text x="${left}" y="14">predicted →</text>${rows}${cells}` +
    `<text x="4" y="${h - 4}">rows: true class</text></svg>`
  );
}
