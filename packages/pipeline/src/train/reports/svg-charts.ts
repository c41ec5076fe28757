/** Hand-written SVG pictures a person can open: training curves and the confusion matrix. */
import type { EpochRecord } from "../checkpoints/checkpoint.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function polyline(
  values: number[],
  x: (i: number) => number,
  y: (v: number) => number,
  color: string,
): string {
  const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
}

function panel(
  title: string,
  series: Array<[string, number[], string]>,
  ox: number,
  w: number,
  h: number,
): string {
  const all = series.flatMap(([, v]) => v).filter(Number.isFinite);
  const lo = Math.min(0, ...all);
  const hi = Math.max(1e-9, ...all);
  const n = Math.max(2, ...series.map(([, v]) => v.length));
  const x = (i: number) => ox + 40 + (i / (n - 1)) * (w - 60);
  const y = (v: number) => 30 + (1 - (v - lo) / (hi - lo)) * (h - 60);
  const legend = series
    .map(
      ([name, , c], i) =>
        `<text x="${ox + 50 + i * 90}" y="${h - 8}" fill="${c}" font-size="12">${esc(name)}</text>`,
    )
    .join("");
  return [
    `<text x="${ox + 40}" y="18" font-size="14">${esc(title)}</text>`,
    `<rect x="${ox + 40}" y="30" width="${w - 60}" height="${h - 60}" fill="none" stroke="#999"/>`,
    `<text x="${ox + 4}" y="36" font-size="10">${hi.toPrecision(3)}</text>`,
    `<text x="${ox + 4}" y="${h - 30}" font-size="10">${lo.toPrecision(3)}</text>`,
    ...series.map(([, v, c]) => polyline(v, x, y, c)),
    legend,
  ].join("\n");
}

/**
 * Loss and top-1 curves per epoch (train and val), side by side.
 * @example
 * await writeFile("curves.svg", trainingCurvesSvg(result.history));
 */
export function trainingCurvesSvg(history: readonly EpochRecord[]): string {
  const w = 420;
  const h = 300;
  const loss = panel(
    "loss",
    [
      ["train", history.map((r) => r.trainLoss), "#1f77b4"],
      ["val", history.map((r) => r.valLoss), "#d62728"],
    ],
    0,
    w,
    h,
  );
  const acc = panel(
    "top-1",
    [
      ["train", history.map((r) => r.trainTop1), "#1f77b4"],
      ["val", history.map((r) => r.valTop1), "#d62728"],
    ],
    w,
    w,
    h,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${loss}\n${acc}\n</svg>\n`;
}

/**
 * Confusion matrix heat map (rows: true class, columns: predicted), counts in the cells.
 * @example
 * await writeFile("confusion.svg", confusionMatrixSvg(report.confusion, labels));
 */
export function confusionMatrixSvg(confusion: readonly number[][], labels: readonly string[]): string {
  const k = labels.length;
  const cell = Math.max(18, Math.min(48, Math.floor(640 / Math.max(k, 1))));
  const margin = 120;
  const size = margin + k * cell + 20;
  const cells: string[] = [];
  confusion.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, c) => {
      const shade = Math.round(255 - (count / total) * 200);
      const fill = `rgb(${shade},${shade},255)`;
      const x = margin + c * cell;
      const y = margin + r * cell;
      cells.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ccc"/>`);
      if (cell >= 24)
        cells.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="11" text-anchor="middle">${count}</text>`,
        );
    });
  });
  const names = labels.flatMap((l, i) => [
    `<text x="${margin - 4}" y="${margin + i * cell + cell / 2 + 4}" font-size="11" text-anchor="end">${esc(l.slice(0, 16))}</text>`,
    `<text transform="translate(${margin + i * cell + cell / 2},${margin - 4}) rotate(-60)" font-size="11">${esc(l.slice(0, 16))}</text>`,
  ]);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n<text x="4" y="14" font-size="12">rows: true, columns: predicted</text>\n${cells.join("\n")}\n${names.join("\n")}\n</svg>\n`;
}
