// smoothy's side of bench/smoothy.js, in a process of its own (run with --expose-gc: the previous read's
// buffer is collected between repetitions, outside the timings, as numpy frees astropy's on the spot).
//
// Usage: node --expose-gc smoothy_child.js time FILE N    → JSON of medians (ms), see below
//        node smoothy_child.js mem fresh|into FILE        → JSON { baseline_kb, peak_kb, bytes }
//        node --expose-gc smoothy_child.js visualize FILE N → JSON { load_ms, visualize_ms, html_ms, total_ms, html_bytes, ... }
import { open as openFile } from "node:fs/promises";
import { load, open, visualize } from "smoothy";

const gc = globalThis.gc ?? (() => {});

/** Median of `n` timed calls; `after` runs untimed after each (to drop and collect what the call made). */
async function medianMs(fn, n, after = () => {}) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const result = await fn();
    times.push(performance.now() - start);
    after(result);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

const rssKb = () => process.memoryUsage().rss / 1024;
const CHUNK = 16 * 1024 * 1024;

async function time(file, n) {
  const list0 = await open(file);
  const hdu0 = list0.get(0);
  const [nx, ny, nz] = hdu0.shape;
  const bytes = hdu0.dataSize,
    offset = hdu0.dataOffset;
  await list0.close();
  const r = {};
  r.metadata_ms = await medianMs(async () => {
    const l = await open(file);
    l.get(0).header.get("NAXIS3");
    await l.close();
  }, 20);
  r.whole_ms = await medianMs(
    async () => {
      const l = await open(file);
      const d = await l.get(0).data();
      await l.close();
      return d;
    },
    n,
    () => gc(),
  );
  gc();
  const reused = new Float32Array(bytes / 4);
  const intoRead = async () => {
    const l = await open(file);
    await l.get(0).data({ into: reused });
    await l.close();
  };
  const start = performance.now();
  await intoRead(); // the first read into the buffer pays its page faults: reported, not in the median
  r.into_first_ms = performance.now() - start;
  r.into_ms = await medianMs(intoRead, n);
  r.plane_ms = await medianMs(async () => {
    const l = await open(file);
    await l.get(0).section([0, 0, nz >> 1], [nx, ny, (nz >> 1) + 1]);
    await l.close();
  }, 20);
  r.spectrum_ms = await medianMs(async () => {
    const l = await open(file);
    await l.get(0).section([nx >> 1, ny >> 1, 0], [(nx >> 1) + 1, (ny >> 1) + 1, nz]);
    await l.close();
  }, 20);

  // Where the time goes, without smoothy: the same reads (16 MiB pieces, 4 at once) into the reused
  // buffer with node:fs alone; the byte swap; the page faults of a fresh buffer of the data's size.
  const target = Buffer.from(reused.buffer);
  const rawRead = async (piece, readers, swap) => {
    const handle = await openFile(file, "r");
    let next = 0;
    const reader = async () => {
      while (next < bytes) {
        const at = next;
        next += piece;
        const length = Math.min(piece, bytes - at);
        for (let done = 0; done < length; ) {
          const { bytesRead } = await handle.read(target, at + done, length - done, offset + at + done);
          if (!bytesRead) throw new Error("short read");
          done += bytesRead;
        }
        if (swap) target.subarray(at, at + length).swap32();
      }
    };
    await Promise.all(Array.from({ length: readers }, reader));
    await handle.close();
  };
  r.raw_read_ms = await medianMs(() => rawRead(CHUNK, 4, false), n);
  r.raw_read_swap_ms = await medianMs(() => rawRead(1024 * 1024, 2, true), n);
  r.swap_ms = await medianMs(() => {
    target.swap32();
  }, n);
  r.fault_ms = await medianMs(
    () => {
      const fresh = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i += 4096) fresh[i] = 1;
      return fresh;
    },
    n,
    () => gc(),
  );
  return r;
}

async function mem(kind, file) {
  const list = await open(file);
  const hdu = list.get(0);
  const baseline_kb = rssKb();
  let data;
  if (kind === "into") {
    const buffer = new Float32Array(hdu.dataSize / 4); // the caller's buffer: part of the data's memory
    ({ data } = await hdu.data({ into: buffer }));
  } else {
    ({ data } = await hdu.data());
  }
  const peak_kb = process.resourceUsage().maxRSS;
  await list.close();
  return { baseline_kb, peak_kb, bytes: data.byteLength };
}

async function visual(file, n) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const cube = await load(file);
    const t1 = performance.now();
    const view = await visualize(cube);
    const t2 = performance.now();
    const bundle = view[Symbol.for("Jupyter.display")]();
    const t3 = performance.now();
    const html = String(bundle["text/html"] ?? "");
    runs.push({
      load_ms: t1 - t0,
      visualize_ms: t2 - t1,
      html_ms: t3 - t2,
      total_ms: t3 - t0,
      html_bytes: Buffer.byteLength(html),
      bundle_bytes: Buffer.byteLength(JSON.stringify(bundle)),
      kind: cube.constructor.name,
      description: String(view.description ?? ""),
    });
    gc();
  }
  const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(n / 2)];
  return {
    load_ms: median("load_ms"),
    visualize_ms: median("visualize_ms"),
    html_ms: median("html_ms"),
    total_ms: median("total_ms"),
    html_bytes: runs[0].html_bytes,
    bundle_bytes: runs[0].bundle_bytes,
    kind: runs[0].kind,
    description: runs[0].description,
    first_total_ms: runs[0].total_ms,
    peak_kb: process.resourceUsage().maxRSS,
  };
}

const [mode, a, b] = process.argv.slice(2);
const result = mode === "time" ? await time(a, Number(b)) : mode === "mem" ? await mem(a, b) : mode === "visualize" ? await visual(a, Number(b)) : null;
if (!result) throw new Error(`unknown mode ${mode}`);
console.log(JSON.stringify(result));
