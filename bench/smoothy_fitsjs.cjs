// fitsjs's side of bench/smoothy.js, in a process of its own. fitsjs (npm, 0.6.6) is a browser library;
// the least it needs to run in Node 20 (which already has Blob, File and URL):
//   1. a global `astro`: its code names the namespace it exports through `this.astro`, and `this` at the
//      top of a CommonJS module is module.exports, not the global object;
//   2. FileReader (readAsArrayBuffer + onloadend, all it uses), over the Blob slices it takes;
//   3. window.URL.createObjectURL and Worker: it decodes every frame in a new Web Worker whose script is a
//      blob: URL and which loads a second blob: script with importScripts (see the Worker classes below).
// The file is given to it as a file-backed Blob (fs.openAsBlob), as a browser gives a File from an
// <input type="file">: nothing is read before fitsjs asks for it.
//
// Usage: node --expose-gc smoothy_fitsjs.cjs time FILE N → JSON { metadata_ms, whole_ms, plane_ms }
//        node smoothy_fitsjs.cjs plane FILE N  → JSON { plane_ms }
//        node smoothy_fitsjs.cjs mem FILE      → JSON { baseline_kb, peak_kb, bytes }
//        node smoothy_fitsjs.cjs check FILE    → JSON { planes, values, mismatches, ... } against smoothy
"use strict";
const path = require("node:path");
const { openAsBlob } = require("node:fs");
const { Worker: Thread } = require("node:worker_threads");
const vm = require("node:vm");

const FITSJS = path.join(__dirname, ".peers", "node_modules", "fitsjs");

globalThis.FileReader = class FileReader {
  readAsArrayBuffer(blob) {
    blob.arrayBuffer().then(
      (buffer) => { this.result = buffer; this.onloadend?.({ target: this }); },
      (error) => { this.error = error; this.result = null; this.onloadend?.({ target: this }); },
    );
  }
};

const scripts = new Map(); // blob: URL → Promise of its text
let urls = 0;
globalThis.window = {
  URL: {
    createObjectURL(blob) { const url = `blob:fitsjs/${urls++}`; scripts.set(url, blob.text()); return url; },
    revokeObjectURL(url) { scripts.delete(url); },
  },
};

// The Worker: by default its script runs in this thread, in a context of its own (node:vm, as a worker
// has its own globals), messages structured-cloned both ways with their transfer lists, as between
// threads. FITSJS_WORKER=thread runs it in a real thread (node:worker_threads), one per frame as in a
// browser, but starting a Node thread costs ~90 ms here, which would measure Node rather than fitsjs.
// importScripts is synchronous in a worker, so the script a message names is fetched before it is delivered.
const INLINE = process.env.FITSJS_WORKER !== "thread";
const PRELUDE = `const { parentPort } = require("node:worker_threads");
let imported;
globalThis.importScripts = () => (0, eval)(imported);
globalThis.postMessage = (message) => parentPort.postMessage(message);
parentPort.on("message", ({ data, script }) => { imported = script; onmessage({ data }); });
`;

class ThreadWorker {
  constructor(url) {
    this.onmessage = null;
    this.thread = Promise.resolve(scripts.get(url)).then((code) => {
      const thread = new Thread(PRELUDE + code, { eval: true });
      thread.on("message", (data) => this.onmessage?.({ data }));
      thread.on("error", (e) => { console.error(`fitsjs's worker failed: ${e.stack ?? e}`); process.exit(3); });
      return thread;
    });
  }
  postMessage(data, transfer) {
    const script = data?.url ? scripts.get(data.url) : undefined;
    this.thread = this.thread.then(async (thread) => { thread.postMessage({ data, script: await script }, transfer); return thread; });
  }
  terminate() {
    this.thread.then((thread) => thread.terminate());
  }
}

class InlineWorker {
  constructor(url) {
    this.onmessage = null;
    const context = vm.createContext({
      importScripts: (u) => vm.runInContext(this.imported, context, { filename: u }),
      postMessage: (data) => setImmediate(() => this.onmessage?.({ data: structuredClone(data) })),
    });
    this.context = Promise.resolve(scripts.get(url)).then((code) => { vm.runInContext(code, context, { filename: url }); return context; });
  }
  postMessage(data, transfer) {
    const message = structuredClone(data, { transfer }); // detaches what is transferred, as postMessage does
    const script = data?.url ? scripts.get(data.url) : undefined;
    this.context = this.context.then(async (context) => {
      this.imported = await script;
      context.onmessage({ data: message });
      return context;
    });
  }
  terminate() {}
}

globalThis.Worker = INLINE ? InlineWorker : ThreadWorker;

const { astro } = require(FITSJS);
globalThis.astro = astro;

/** Opens `file` with fitsjs: resolves to its FITS object once every header is parsed. */
async function openFits(file) {
  const blob = await openAsBlob(file);
  return new Promise((resolve) => new astro.FITS(blob, (fits) => resolve(fits)));
}

/** Frame `k` of the first image, through fitsjs's only image API (getFrame, a callback per frame). */
function frame(image, k) {
  return new Promise((resolve) => image.getFrame(k, (pixels) => resolve(pixels)));
}

/** The whole cube in one new array: every frame (getFrames) copied into place as it comes. */
function whole(image) {
  const { width, height, depth } = image;
  const out = new Float32Array(width * height * depth);
  return new Promise((resolve) => {
    let done = 0;
    image.getFrames(0, depth, (pixels) => {
      out.set(pixels, done * width * height);
      if (++done === depth) resolve(out);
    });
  });
}

const gc = globalThis.gc ?? (() => {}); // with --expose-gc: the previous read is collected between repetitions, untimed

async function medianMs(fn, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
    gc();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

const rssKb = () => process.memoryUsage().rss / 1024;

async function main() {
  const [mode, file, reps] = process.argv.slice(2);
  const n = Number(reps ?? 1);
  const readPlane = async () => { const image = (await openFits(file)).getDataUnit(); await frame(image, image.depth >> 1); };
  if (mode === "time") {
    // Each read opens the file afresh: fitsjs keeps the frames it has read (and detached) in its image
    // object, and getFrame(0) means "the last frame asked for", so a second read of one object is wrong.
    const metadata_ms = await medianMs(async () => { (await openFits(file)).getHeader().get("NAXIS3"); }, 20);
    const plane_ms = await medianMs(readPlane, 5);
    const whole_ms = await medianMs(async () => { await whole((await openFits(file)).getDataUnit()); }, n);
    return { metadata_ms, whole_ms, plane_ms, worker: INLINE ? "inline" : "thread" };
  }
  if (mode === "plane") return { plane_ms: await medianMs(readPlane, n), worker: INLINE ? "inline" : "thread" };
  if (mode === "mem") {
    const fits = await openFits(file);
    const image = fits.getDataUnit();
    const baseline_kb = rssKb();
    const data = await whole(image);
    return { baseline_kb, peak_kb: process.resourceUsage().maxRSS, bytes: data.byteLength };
  }
  if (mode === "check") {
    // fitsjs's values against smoothy's on three whole planes (first, middle, last), bit for bit.
    const { open } = await import("smoothy");
    const list = await open(file);
    const hdu = list.get(0);
    const [nx, ny, nz] = hdu.shape;
    let values = 0, mismatches = 0, maxAbs = 0, first;
    const planes = [0, nz >> 1, nz - 1];
    for (const k of planes) {
      const image = (await openFits(file)).getDataUnit();
      const theirs = await frame(image, k);
      const { data: ours } = await hdu.section([0, 0, k], [nx, ny, k + 1]);
      const a = new Uint32Array(theirs.buffer, theirs.byteOffset, theirs.length), b = new Uint32Array(ours.buffer, ours.byteOffset, ours.length);
      if (theirs.length !== ours.length) { mismatches += Math.abs(theirs.length - ours.length); first ??= `plane ${k}: ${theirs.length} values, smoothy ${ours.length}`; }
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        values++;
        if (a[i] !== b[i]) {
          mismatches++;
          maxAbs = Math.max(maxAbs, Math.abs(theirs[i] - ours[i]));
          first ??= `plane ${k}, pixel ${i}: fitsjs ${theirs[i]}, smoothy ${ours[i]}`;
        }
      }
    }
    await list.close();
    return { planes, values, mismatches, max_abs_difference: maxAbs, first_mismatch: first ?? null };
  }
  throw new Error(`unknown mode ${mode}`);
}

main().then(
  (result) => { console.log(JSON.stringify(result)); process.exit(0); },
  (e) => { console.error(typeof e === "string" ? `fitsjs threw: ${e}` : e?.stack ?? String(e)); process.exit(2); },
);
