/** PNG copies of the SVG charts, for viewers that do not open SVG (sharp rasterises the SVG with librsvg). */
import sharp from "sharp";

/**
 * Rasterise an SVG document to PNG at its own width and height (`density` 72 dpi: one SVG unit, one pixel).
 *
 * @example
 * await writeFile("curves.png", await svgToPng(trainingCurvesSvg(history)));
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 }).png({ compressionLevel: 9 }).toBuffer();
}

/**
 * `name.svg` → `name.png` for each chart; a chart that fails to render is reported through `log` and left out
 * (a missing picture must not fail a trained model's publication).
 *
 * @example
 * const pngs = await chartPngs({ "curves.svg": curves }, console.warn); // { "curves.png": <Buffer …> }
 */
export async function chartPngs(
  svgs: Readonly<Record<string, string>>,
  log: (line: string) => void,
): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const [name, svg] of Object.entries(svgs)) {
    const png = name.replace(/\.svg$/, ".png");
    try {
      out[png] = await svgToPng(svg);
    } catch (err) {
      log(`cannot render ${png}: ${(err as Error).message}`);
    }
  }
  return out;
}
