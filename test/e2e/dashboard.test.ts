/**
 * The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) on a
 * spawned `residual start`. From the page: upload a generated dataset, watch its job reach `succeeded` live,
 * open the model (SVG curves, confusion matrix), classify an image and see its nearest validation images (with
 * thumbnails, from the embeddings the job stored); screenshots go to test-artifacts/dashboard/.
 * Any console error or uncaught page error fails the run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  SHAPE_CLASSES,
  shapesDatasetFiles,
  writeDatasetArchive,
  writeDatasetFolder,
} from "@residual/pipeline/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTempDir } from "../support/temp-dir.js";
import { FAST_ENV, freePort, ResidualProcess } from "./support/cli-process.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve("test-artifacts/dashboard");
const SPEC = { name: "dash", arch: "cifar_resnet20", imageSize: 32, epochs: 3, batchSize: 6, seed: 5 };

const dir = useTempDir("residual-dash-");
let browser: Browser;
let page: Page;
let server: ResidualProcess;
let url: string;
const problems: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  const files = await shapesDatasetFiles({ classes: 3, perClass: 8, seed: 5 });
  // One file that is no image: the report lists it as skipped, with its reason.
  files.set("red-circle/broken.png", Buffer.from("not a png"));
  await writeDatasetArchive(join(dir(), "dash.tar.gz"), files, SPEC);
  await writeDatasetFolder(join(dir(), "folder"), await shapesDatasetFiles({ classes: 2, perClass: 4 }), {
    ...SPEC,
    name: "dashdir",
    epochs: 1,
  });
  // An image the model has not seen: a fresh draw of the first class.
  const [probe] = (await shapesDatasetFiles({ classes: 2, perClass: 1, seed: 4242 })).values();
  await writeFile(join(dir(), "probe.png"), probe!);
  const port = await freePort();
  server = new ResidualProcess(["start", "--home", join(dir(), "home"), "--port", String(port)], FAST_ENV);
  [, url] = (await server.waitForOutput(/residual: pipeline ready on (\S+)/)) as [string, string];
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: "dark" });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await browser?.close();
  server?.kill("SIGKILL");
});

describe.sequential("dashboard (headless Chromium)", () => {
  it("uploads a dataset from the page and follows its job to succeeded", async () => {
    await page.goto(`${url}/`);
    await page.getByText("No jobs yet").waitFor();
    await page.click('a[data-nav="upload"]');
    await page.fill("#name", "dash");
    await page.setInputFiles("#archive", join(dir(), "dash.tar.gz"));
    await page.click("#send");
    await page.waitForURL(/#\/jobs\/dash-/);
    await page.locator("#job-state", { hasText: "succeeded" }).waitFor({ timeout: 110_000 });
    await page.locator("#report").waitFor();
    const report = await page.locator("#report").textContent();
    expect(report).toContain("red-circle");
    expect(report).toContain("red-circle/broken.png");
    await shot("job");
  });

  it("opens the model: curves and confusion matrix drawn as SVG, per-class table, model card", async () => {
    await page.click("#open-model");
    await page.locator("h2", { hasText: "Confusion matrix" }).waitFor();
    expect(await page.locator("svg").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("main").textContent()).toContain("Per class");
    await shot("model");
  });

  it("classifies an image picked in the page through /v1/classify and shows its nearest validation images", async () => {
    await page.click("#try-model");
    await page.setInputFiles("#image", join(dir(), "probe.png"));
    await page.locator("#predictions .pred").first().waitFor();
    const labels = await page.locator("#predictions .pred span:first-child").allInnerTexts();
    expect(labels.sort()).toEqual(
      SHAPE_CLASSES.slice(0, 3)
        .map((c) => c.name)
        .sort(),
    );
    // The nearest stored validation images (POST /v1/neighbours): thumbnail, dataset key, label, similarity.
    await page.locator("#neighbours .neighbour").first().waitFor();
    const rows = page.locator("#neighbours .neighbour");
    const count = await rows.count();
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(5);
    const names = SHAPE_CLASSES.slice(0, 3).map((c) => c.name);
    const similarities: number[] = [];
    for (let i = 0; i < count; i++) {
      const [key, label, similarity] = await rows.nth(i).locator("span:not(.thumb-none)").allInnerTexts();
      expect(names).toContain(label);
      expect(key).toMatch(new RegExp(`^${label}/`));
      similarities.push(Number(similarity));
    }
    expect(similarities.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(similarities).toEqual([...similarities].sort((a, b) => b - a));
    // Every thumbnail decoded (a data URL of the stored 64 px JPEG).
    const widths = await rows
      .locator("img")
      .evaluateAll((els) => els.map((e) => (e as unknown as { naturalWidth: number }).naturalWidth));
    expect(widths).toEqual(Array(count).fill(64));
    await shot("try");
    await page.click('a[data-nav="jobs"]');
    await page.locator("tr[data-job]").first().waitFor();
    await shot("jobs");
  });

  it("uploads a folder picked in the page (packed into a tar there) and shows its dataset report", async () => {
    await page.click('a[data-nav="upload"]');
    await page.fill("#name", "dashdir");
    await page.setInputFiles("#folder", join(dir(), "folder"));
    await page.click("#send");
    await page.waitForURL(/#\/jobs\/dashdir-/);
    await page.locator("#report").waitFor({ timeout: 60_000 });
    const report = await page.locator("#report").textContent();
    for (const c of SHAPE_CLASSES.slice(0, 2)) expect(report).toContain(c.name);
  });

  it("logged no console errors and no uncaught page errors", () => {
    expect(problems).toEqual([]);
  });
});
