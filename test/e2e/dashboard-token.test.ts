/**
 * The dashboard on a server started with `--token`, in headless Chromium: the page loads without the token, asks
 * for it, refuses a wrong one, and with the right one shows the data; the token stays in the tab's sessionStorage
 * and goes out as `Authorization: Bearer` on every API call, never in a URL.
 */
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTempDir } from "../support/temp-dir.js";
import { FAST_ENV, freePort, ResidualProcess } from "./support/cli-process.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "dash-s3cret";

const dir = useTempDir("residual-dash-token-");
let browser: Browser;
let page: Page;
let server: ResidualProcess;
let url: string;
const problems: string[] = [];
const requests: { url: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  const port = await freePort();
  server = new ResidualProcess(
    ["start", "--home", join(dir(), "home"), "--port", String(port), "--token", TOKEN],
    { ...FAST_ENV, RESIDUAL_API_TOKEN: "" },
  );
  [, url] = (await server.waitForOutput(/residual: pipeline ready on (\S+)/)) as [string, string];
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage();
  page.on("console", (m) => {
    // The 401s this test provokes on purpose are the browser's own resource errors; anything else is a bug.
    if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/v1/"))
      requests.push({ url: r.url(), auth: r.headers().authorization });
  });
});

afterAll(async () => {
  await browser?.close();
  server?.kill("SIGKILL");
});

describe.sequential("dashboard behind --token (headless Chromium)", () => {
  it("asks for the token instead of failing, and refuses a wrong one", async () => {
    await page.goto(`${url}/`);
    await page.locator("#sign-in").waitFor();
    expect(await page.locator("#sign-in").textContent()).toContain("this server needs its API token");
    await page.fill("#token", "wrong");
    await page.click("#sign-in-send");
    await page.getByText("the server refused this token").waitFor();
  });

  it("with the right token shows the jobs, sending it as a bearer header only", async () => {
    await page.fill("#token", TOKEN);
    await page.click("#sign-in-send");
    await page.getByText("No jobs yet").waitFor();
    await page.click('a[data-nav="models"]');
    await page.waitForURL(/#\/models/);
    await expect.poll(() => requests.filter((r) => r.auth === `Bearer ${TOKEN}`).length).toBeGreaterThan(1);
    expect(requests.some((r) => r.url.includes(TOKEN))).toBe(false);
    expect(await page.evaluate("sessionStorage.getItem('residual.token')")).toBe(TOKEN);
    expect(await page.locator(".error").count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
