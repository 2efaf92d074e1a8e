// What a person sees: an example opened in Debian's notebook UI in headless Chromium, run, and its rich output on the page.
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { answers, launchChromium, overlappingText, volumePixels } from "../helpers/browser.ts";
import { ROOT, testJupyterHome } from "../helpers/kernel-client.ts";
import { startNotebookServer, type NotebookServer } from "../helpers/notebook-server.ts";
import { FITS_DIR } from "../helpers/shared.ts";

const test = suite("notebook UI");
const home = testJupyterHome();
let server: NotebookServer | undefined;
let browser: Browser | undefined;

test.before(async () => {
  const dir = path.join(home.dir, "examples");
  cpSync(path.join(ROOT, "examples"), dir, { recursive: true });
  mkdirSync(path.join(home.dir, "config"), { recursive: true });
  server = await startNotebookServer(dir, {
    ...home.env,
    JOVIAL_FITS_DIR: FITS_DIR,
    JUPYTER_CONFIG_DIR: path.join(home.dir, "config"),
    JUPYTER_DATA_DIR: path.join(home.dir, "data"),
  });
  // WebGL by SwiftShader, as a browser on a machine without a GPU draws it.
  browser = await launchChromium(true);
});

test.after(async () => {
  await browser?.close();
  await server?.stop();
  home.cleanup();
});

/** Opens a notebook, waits for our kernel, and runs all its cells as Cell ▸ Run All does. */
async function openAndRunAll(page: Page, notebook: string): Promise<void> {
  await page.goto(`${server!.url}/notebooks/${notebook}?token=${server!.token}`);
  await page.waitForFunction(
    () => {
      const w = window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean; info_reply?: { implementation?: string } } } } };
      return w.Jupyter?.notebook?.kernel?.is_connected() && w.Jupyter.notebook.kernel.info_reply?.implementation === "jovial";
    },
    undefined,
    { timeout: 60_000 },
  );
  await page.evaluate(() => {
    const w = window as unknown as { Jupyter: { notebook: { clear_all_output(): void; execute_all_cells(): void } } };
    w.Jupyter.notebook.clear_all_output();
    w.Jupyter.notebook.execute_all_cells();
  });
}

test("the tree lists the examples and the new-notebook menu offers the TypeScript kernel", async () => {
  const page = await browser!.newPage();
  await page.goto(`${server!.url}/tree?token=${server!.token}`);
  await page.waitForSelector("a[href$='01-typescript-kernel.ipynb']");
  const kernels = await page.evaluate(
    async () => (await (await fetch("/api/kernelspecs")).json()) as { default: string; kernelspecs: Record<string, { spec: { display_name: string } }> },
  );
  assert.is(kernels.default, "jovial");
  assert.is(kernels.kernelspecs.jovial.spec.display_name, "TypeScript (JOVIAL)");
  await page.close();
});

test("01-typescript-kernel.ipynb runs in the browser and its rich output is on the page", async () => {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  await openAndRunAll(page, "01-typescript-kernel.ipynb");
  // Done when no prompt shows [*] and the last code cell has a number.
  await page.waitForFunction(
    () => {
      const prompts = [...document.querySelectorAll(".code_cell .input_prompt")].map((p) => p.textContent ?? "");
      return prompts.length > 0 && prompts.every((p) => !p.includes("*")) && /\d/.test(prompts[prompts.length - 1]);
    },
    undefined,
    { timeout: 120_000 },
  );
  const text = await page.locator("#notebook-container").innerText();
  assert.match(text, /49\.4\d+/, "a result");
  assert.match(text, /observed in B7/, "streamed output");
  assert.match(text, /TSError/, "the type error");
  assert.match(text, /reduced 5 of 5 cubes/, "the display updated in place");
  assert.match(text, /at fluxRatio \(In\[\d+\]:2:\d+\)/, "a traceback at cell lines");
  assert.is(await page.locator(".output_html table th", { hasText: "Band" }).count(), 1, "the HTML table is rendered");
  assert.is((await page.locator(".output_svg svg circle").count()) >= 1, true, "the SVG is rendered");
  assert.is(await page.locator(".output_html b", { hasText: "Orion KL" }).count(), 1, "Jupyter.display bundle rendered as HTML");
  assert.is((await page.locator(".rendered_html strong", { hasText: "ALMA" }).count()) >= 1, true, "Markdown rendered");
  mkdirSync(path.join(ROOT, "test", ".tmp"), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, "test", ".tmp", "notebook-ui.png"), fullPage: true });
  await page.close();
});

test("02-smoothy.ipynb draws its plots and its cube view's volume in the page, offline, with no text over text", async () => {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  await openAndRunAll(page, "02-smoothy.ipynb");
  await page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length >= 6 && document.querySelector("[data-part=volume] canvas"), undefined, {
    timeout: 180_000,
  });
  assert.ok((await page.locator(".js-plotly-plot .main-svg").count()) >= 6, "plotly drew its SVG: the cube's map and spectrum, two moments, a spectrum, the continuum");
  const volume = await volumePixels(page);
  assert.ok(volume.lit > 0.01 * volume.width * volume.height, `the volume is drawn: ${volume.lit} of ${volume.width} × ${volume.height} pixels lit`);
  assert.is(await answers(page), true, "the notebook page answers after drawing the volume");
  assert.is(await page.locator("[data-part=volume] pre").count(), 0, "no error in place of the volume");
  await page.waitForTimeout(500); // plotly's automargin settles in a second layout pass
  assert.equal(await overlappingText(page, "#notebook-container"), [], "no text drawn over text in the notebook's views");
  const cubeView = page.locator("[id^=jovial-view]").first();
  assert.match((await cubeView.locator("[data-part=map] .colorbar").textContent()) ?? "", /km \/ \(beam s\)|K km \/ s/, "the cube view's moment 0 in km/s");
  assert.equal(
    failed.filter((u) => /kernelspecs/.test(u)),
    [],
    "the libraries loaded from the kernelspec",
  );
  await page.screenshot({ path: path.join(ROOT, "test", ".tmp", "visualize.png"), fullPage: true });
  await cubeView.screenshot({ path: path.join(ROOT, "test", ".tmp", "cube-view.png") });
  await page
    .locator(".js-plotly-plot")
    .first()
    .screenshot({ path: path.join(ROOT, "test", ".tmp", "moment0.png") });
  await page
    .locator(".js-plotly-plot")
    .last()
    .screenshot({ path: path.join(ROOT, "test", ".tmp", "spectrum.png") });
  await page.close();
});

test.run();
