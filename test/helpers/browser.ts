/**
 * Debian's Chromium for the browser tests: headless, with WebGL drawn by SwiftShader (software, as on
 * a machine without a GPU) or with WebGL off, and the checks of what a person sees that the tests share.
 */
import { chromium, type Browser, type Page } from "playwright-core";

const COMMON = ["--no-sandbox", "--no-first-run", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(webgl: boolean): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: webgl
      ? [...COMMON, "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
      : [...COMMON, "--disable-gpu", "--disable-3d-apis", "--disable-webgl"],
  });
}

/** How many pixels of the volume's canvas are drawn (not black), read back from WebGL itself. */
export function volumePixels(page: Page, root = "body"): Promise<{ width: number; height: number; lit: number }> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(`${sel} [data-part=volume] canvas`) as HTMLCanvasElement | null;
    if (!canvas) return { width: 0, height: 0, lit: 0 };
    const gl = canvas.getContext("webgl2")!;
    const pixels = new Uint8Array(canvas.width * canvas.height * 4);
    gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    let lit = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] > 30) lit++;
    return { width: canvas.width, height: canvas.height, lit };
  }, root);
}

/** The page still answers: a script runs and returns within the time (a frozen renderer does not). */
export async function answers(page: Page, ms = 5000): Promise<boolean> {
  const reply = page.evaluate(() => 1 + 1).then((v) => v === 2);
  const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
  return Promise.race([reply, late]);
}

/**
 * Pairs of visible texts in `root` that overlap (tick labels, axis and colour-bar titles, legend
 * entries, the volume's title and its message): what a person would read as text drawn over text.
 * Rotated labels are compared as the rotated rectangles they are (separating axes), not by their
 * bounding boxes. The page script is a string: the test runner's transpiler would wrap named
 * functions in a helper that does not exist in the page.
 */
const OVERLAPS = `(sel) => {
  const scope = document.querySelector(sel);
  if (!scope) return ["no " + sel];
  const shapes = [];
  for (const el of scope.querySelectorAll("svg text, [data-part=volume-title], [data-part=volume-canvas] pre")) {
    const text = (el.textContent || "").trim();
    const r = el.getBoundingClientRect();
    if (!text || r.width < 1 || r.height < 1) continue;
    let corners;
    if (el instanceof SVGGraphicsElement && el.getScreenCTM()) {
      const b = el.getBBox(), m = el.getScreenCTM();
      corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
        .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
    } else {
      corners = [[r.left, r.top], [r.right, r.top], [r.right, r.bottom], [r.left, r.bottom]];
    }
    shapes.push({ label: (el.getAttribute("class") || el.tagName) + ' "' + text.slice(0, 24) + '"', corners });
  }
  const overlaps = [];
  for (let i = 0; i < shapes.length && overlaps.length < 20; i++) {
    for (let j = i + 1; j < shapes.length; j++) {
      let separated = false;
      for (const quad of [shapes[i].corners, shapes[j].corners]) {
        for (let k = 0; k < 4 && !separated; k++) {
          const [x1, y1] = quad[k], [x2, y2] = quad[(k + 1) % 4];
          const len = Math.hypot(x2 - x1, y2 - y1) || 1, nx = (y1 - y2) / len, ny = (x2 - x1) / len;
          const pa = shapes[i].corners.map(([x, y]) => x * nx + y * ny), pb = shapes[j].corners.map(([x, y]) => x * nx + y * ny);
          // A pixel of tolerance: neighbouring labels may touch.
          if (Math.max(...pa) <= Math.min(...pb) + 1 || Math.max(...pb) <= Math.min(...pa) + 1) separated = true;
        }
      }
      if (!separated) overlaps.push(shapes[i].label + " × " + shapes[j].label);
    }
  }
  return overlaps;
}`;

export function overlappingText(page: Page, root: string): Promise<string[]> {
  return page.evaluate(`(${OVERLAPS})(${JSON.stringify(root)})`) as Promise<string[]>;
}
