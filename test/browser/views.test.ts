// What a person sees of each kind of view: standalone pages from visualize(x, { out }) in headless
// Chromium (WebGL by SwiftShader, as on a machine without a GPU), checked for drawn plots of the
// expected size, a drawn volume, the spectrum following the pointer, and no text drawn over text.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Cube, Header, type Image, load, productOf, visualize } from "smoothy";
import { answers, launchChromium, overlappingText, volumePixels } from "../helpers/browser.ts";
import { ROOT } from "../helpers/kernel-client.ts";
import { FITS_DIR, sharedAvailable } from "../helpers/shared.ts";

const test = suite("views in the browser");
const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-views-"));
let browser: Browser | undefined;
let noWebgl: Browser | undefined;

/** The real Orion KL cube, or a generated one (a Gaussian source in noise) when ../shared is absent. */
async function cube(): Promise<Cube> {
  if (sharedAvailable("browser views (a generated cube stands in)")) return (await load(path.join(FITS_DIR, "Orion.methanol.cbc.contsub.image.fits"))) as Cube;
  const [nx, ny, nz] = [60, 50, 30];
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        data[(z * ny + y) * nx + x] = 5 * Math.exp(-((x - 30) ** 2 + (y - 25) ** 2) / 40 - (z - 15) ** 2 / 20) + 0.1 * Math.sin(x * 7.1 + y * 3.3 + z);
      }
  // A sky position and a line, so the stand-in has world axes and a velocity axis as the real cube does.
  const wcs = {
    CTYPE1: "RA---SIN",
    CRVAL1: 83.8104,
    CDELT1: -1e-4,
    CRPIX1: 30,
    CTYPE2: "DEC--SIN",
    CRVAL2: -5.3751,
    CDELT2: 1e-4,
    CRPIX2: 25,
    CTYPE3: "FREQ",
    CRVAL3: 229.758e9,
    CDELT3: 4.88e5,
    CRPIX3: 15,
    RESTFRQ: 229.758e9,
    SPECSYS: "LSRK",
    BUNIT: "K",
  };
  const header = new Header(Object.entries(wcs).map(([keyword, value]) => ({ keyword, value, comment: "", image: "" })));
  return productOf({ header, data, shape: [nx, ny, nz], source: "generated" }) as Cube;
}

test.before(async () => {
  browser = await launchChromium(true);
  noWebgl = await launchChromium(false);
});

test.after(async () => {
  await browser?.close();
  await noWebgl?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function page(view: string, options: { width?: number; webgl?: boolean } = {}): Promise<Page> {
  const p = await (options.webgl === false ? noWebgl! : browser!).newPage({ viewport: { width: options.width ?? 1200, height: 900 } });
  const errors: string[] = [];
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(`file://${path.join(dir, view)}`);
  (p as unknown as { errors: string[] }).errors = errors;
  return p;
}

/** Size of a drawn plot and how much it draws: SVG paths with data, or heatmap images. */
async function plot(p: Page, selector: string): Promise<{ width: number; height: number; path: number; images: number }> {
  await p.waitForSelector(`${selector} .main-svg`, { timeout: 30_000 });
  return p.evaluate((sel) => {
    const root = document.querySelector(sel)!;
    const svg = root.querySelector(".main-svg")!.getBoundingClientRect();
    const path = [...root.querySelectorAll("path.js-line, path.js-fill")].reduce((n, e) => n + (e.getAttribute("d") ?? "").length, 0);
    const images = [...root.querySelectorAll("image")].filter((e) => (e.getAttribute("href") ?? "").startsWith("data:image/png")).length;
    return { width: svg.width, height: svg.height, path, images };
  }, selector);
}

test("a spectrum is a drawn line against velocity", async () => {
  const c = await cube();
  await visualize(c.spectrumAt(Math.floor(c.shape[0] / 2), Math.floor(c.shape[1] / 2)), { out: path.join(dir, "spectrum.html") });
  const p = await page("spectrum.html");
  const drawn = await plot(p, "body");
  assert.ok(drawn.width > 600 && drawn.height > 300, `plot size ${drawn.width} × ${drawn.height}`);
  assert.ok(drawn.path > 200, `the line has ${drawn.path} characters of path`);
  if (c.wcs) assert.match((await p.textContent("body")) ?? "", /velocity \(km\/s\)/);
  assert.equal((p as unknown as { errors: string[] }).errors, []);
  await p.close();
});

test("an image is a heatmap with a colour bar, a stretch and contours", async () => {
  const c = await cube();
  const m0 = c.moment(0) as Image;
  await visualize(m0, { out: path.join(dir, "image.html"), stretch: "asinh", contours: [m0.statistics().max / 2] });
  const p = await page("image.html");
  const drawn = await plot(p, "body");
  assert.ok(drawn.width > 400 && drawn.height > 400, `plot size ${drawn.width} × ${drawn.height}`);
  assert.ok(drawn.images >= 1, "the heatmap is drawn as an image");
  assert.ok(await p.$("g.colorbar"), "a colour bar");
  assert.ok(await p.evaluate(() => document.querySelectorAll("g.contourlevel path").length > 0), "the contour is drawn");
  assert.equal((p as unknown as { errors: string[] }).errors, []);
  await p.close();
});

test("a cube: the volume is drawn with WebGL, its moment-0 map and spectrum too, the spectrum follows the pointer, and the page answers", async () => {
  await visualize(await cube(), { out: path.join(dir, "cube.html") });
  const p = await page("cube.html");
  const map = await plot(p, "[data-part=map]");
  assert.ok(map.images >= 1 && map.width > 300, `map ${JSON.stringify(map)}`);
  const spectrum = await plot(p, "[data-part=spectrum]");
  assert.ok(spectrum.path > 100, `spectrum ${JSON.stringify(spectrum)}`);
  await p.waitForSelector("[data-part=volume] canvas", { timeout: 60_000 });
  const volume = await volumePixels(p);
  assert.ok(volume.width > 300 && volume.height > 300, `canvas ${volume.width} × ${volume.height}`);
  assert.ok(volume.lit > 0.01 * volume.width * volume.height, `the ray-marched volume lights ${volume.lit} of ${volume.width * volume.height} pixels`);
  assert.is(await answers(p), true, "the page answers after drawing the volume");
  // Turning it redraws it, and the page still answers.
  const canvas = (await (await p.$("[data-part=volume] canvas"))!.boundingBox())!;
  await p.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
  await p.mouse.down();
  await p.mouse.move(canvas.x + canvas.width / 2 + 80, canvas.y + canvas.height / 2 + 30, { steps: 4 });
  await p.mouse.up();
  assert.is(await answers(p), true, "the page answers while the volume turns");
  assert.ok((await volumePixels(p)).lit > 0, "still drawn after turning");
  const title = () => p.evaluate(() => document.querySelector("[data-part=spectrum] .gtitle")?.textContent);
  const before = await title();
  const box = (await p.$("[data-part=map] .nsewdrag"))!;
  const b = (await box.boundingBox())!;
  await p.mouse.move(b.x + b.width * 0.2, b.y + b.height * 0.3);
  await p.waitForFunction((t) => document.querySelector("[data-part=spectrum] .gtitle")?.textContent !== t, before, { timeout: 10_000 });
  assert.match((await title()) ?? "", /spectrum at pixel \(\d+, \d+\)/);
  assert.equal((p as unknown as { errors: string[] }).errors, []);
  await p.close();
});

test("without WebGL the volume says why, below its title, and the rest of the view is drawn", async () => {
  const p = await page("cube.html", { webgl: false });
  await p.waitForSelector("[data-part=volume] pre", { timeout: 30_000 });
  assert.match((await p.textContent("[data-part=volume] pre")) ?? "", /WebGL/i);
  assert.equal(await overlappingText(p, "[data-part=volume]"), [], "the message is not drawn over the title");
  assert.ok((await plot(p, "[data-part=map]")).images >= 1, "the map is drawn");
  await p.close();
});

test("no text over text in a cube view or an image with contours, at every width; a line cube's moment 0 in km/s", async () => {
  const c = await cube();
  const m0 = c.moment(0) as Image;
  const peak = m0.statistics().max;
  await visualize(m0, { out: path.join(dir, "contours.html"), contours: [0.2 * peak, 0.4 * peak, 0.6 * peak] });
  const shots = path.join(ROOT, "test", ".tmp");
  mkdirSync(shots, { recursive: true });
  for (const width of [1400, 900, 600, 420]) {
    for (const view of ["cube.html", "contours.html"]) {
      const p = await page(view, { width, webgl: false });
      await plot(p, view === "cube.html" ? "[data-part=spectrum]" : "body");
      if (view === "cube.html") await p.waitForSelector("[data-part=volume] pre", { timeout: 30_000 });
      await p.waitForTimeout(300); // plotly's automargin settles in a second layout pass
      const overlaps = await overlappingText(p, "body");
      await p.screenshot({ path: path.join(shots, `layout-${view.replace(".html", "")}-${width}.png`), fullPage: true });
      assert.equal(overlaps, [], `${view} at ${width} px`);
      if (view === "cube.html" && c.lineKind === "VRAD") {
        assert.match((await p.textContent("[data-part=map] .colorbar")) ?? "", /km \/ \(beam s\)|K km \/ s/, "moment 0 integrated over km/s");
      }
      await p.close();
    }
  }
});

test.run();
