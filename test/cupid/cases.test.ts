// Cases of our own beside CUPID's references: NaNs, edges, merging, 3-D cubes, float64, errors, fuzzing,
// cancellation, the CLI and the notebook view.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Cube, Header, Image, open } from "smoothy";
import { findClumps, METHODS, type ClumpMethod } from "cupid-bindings";
import { random } from "../helpers/random.ts";
import { SHARED, sharedTest } from "../helpers/shared.ts";

const test = suite("cupid cases");
const dir = mkdtempSync(path.join(os.tmpdir(), "cupid-cases-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

type Source = { x: number; y: number; z?: number; peak: number; sigma: number };

/** Gaussian sources on a grid (FITS order) with seeded noise. */
function field(shape: number[], sources: Source[], noise = 0.05, seed = 7): Float32Array {
  const r = random(seed);
  const [nx, ny, nz = 1] = shape;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let v = noise * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
        for (const s of sources) v += s.peak * Math.exp(-((x - s.x) ** 2 + (y - s.y) ** 2 + (shape.length > 2 ? (z - (s.z ?? 0)) ** 2 : 0)) / (2 * s.sigma ** 2));
        data[(z * ny + y) * nx + x] = v;
      }
  return data;
}

const image = (data: Float32Array | Float64Array, shape: number[]) => new Image({ data, shape, unit: "K", source: "generated", header: new Header([]) });
const cube = (data: Float32Array | Float64Array, shape: number[]) => new Cube({ data, shape, unit: "K", source: "generated", header: new Header([]) });
const col = (r: { catalogue: { column(n: string): unknown } }, n: string) => r.catalogue.column(n) as Float64Array;

test("a 3-D cube: every method finds the three sources, centroids within half a pixel", async () => {
  const shape = [40, 36, 30];
  const truth = [
    { x: 10, y: 12, z: 8, peak: 3, sigma: 2 },
    { x: 28, y: 25, z: 20, peak: 2, sigma: 2.2 },
    { x: 30, y: 8, z: 12, peak: 1.5, sigma: 1.8 },
  ];
  const c = cube(field(shape, truth), shape);
  for (const method of METHODS) {
    const r = await findClumps(c, { method, rms: 0.05 });
    assert.is(r.nClumps, 3, `${method}: ${r}`);
    const [cx, cy, cz] = ["Cen1", "Cen2", "Cen3"].map((n) => col(r, n));
    const accepted = r.catalogue.accepted();
    for (const s of truth) {
      const hit = accepted.find((i) => Math.hypot(cx[i] - 0.5 - s.x, cy[i] - 0.5 - s.y, cz[i] - 0.5 - s.z) < 0.5);
      assert.ok(
        hit !== undefined,
        `${method}: no clump centred on (${s.x}, ${s.y}, ${s.z}): ${accepted.map((i) => [cx[i], cy[i], cz[i]].map((v) => (v - 0.5).toFixed(2)).join(",")).join(" | ")}`,
      );
    }
  }
});

test("float64 input gives the same clumps as float32", async () => {
  const shape = [64, 48];
  const f32 = field(shape, [
    { x: 20, y: 20, peak: 2, sigma: 2.5 },
    { x: 45, y: 30, peak: 1.2, sigma: 2 },
  ]);
  for (const method of ["fellwalker", "clumpfind", "reinhold"] as ClumpMethod[]) {
    const a = await findClumps(image(f32, shape), { method, rms: 0.05 });
    const b = await findClumps(image(Float64Array.from(f32), shape), { method, rms: 0.05 });
    assert.equal(Array.from(b.mask!.data), Array.from(a.mask!.data), method);
    assert.equal(Array.from(col(b, "Sum")), Array.from(col(a, "Sum")), method);
  }
});

test("NaNs are bad pixels: never in a clump far from the emission; a clump full of them is rejected", async () => {
  const shape = [60, 60];
  const data = field(shape, [
    { x: 20, y: 20, peak: 3, sigma: 3 },
    { x: 44, y: 44, peak: 3, sigma: 3 },
  ]);
  for (let y = 0; y < 10; y++) for (let x = 50; x < 60; x++) data[y * 60 + x] = NaN;
  // Every other pixel of the second source is blanked: far more than MaxBad = 5 %.
  for (let y = 38; y < 51; y++) for (let x = 38; x < 51; x++) if ((x + y) % 2) data[y * 60 + x] = NaN;
  for (const method of ["fellwalker", "clumpfind"] as ClumpMethod[]) {
    const r = await findClumps(image(data, shape), { method, rms: 0.05 });
    for (let y = 0; y < 10; y++) for (let x = 50; x < 60; x++) assert.is(r.mask!.data[y * 60 + x], 0, `${method}: blank pixel (${x}, ${y})`);
    const reasons = r.catalogue.column("reject_reason") as string[];
    assert.ok(reasons.includes("bad_pixels"), `${method}: the riddled clump is rejected for its bad pixels: ${reasons}`);
    assert.ok(r.nClumps >= 1 && r.rejected.badPixels >= 1, `${method}: ${r}`);
  }
});

test("clumps on the edge: kept by default, rejected with AllowEdge=0 (FellWalker)", async () => {
  const shape = [50, 40];
  const data = field(shape, [
    { x: 0, y: 20, peak: 3, sigma: 3 },
    { x: 30, y: 20, peak: 3, sigma: 3 },
  ]);
  const kept = await findClumps(image(data, shape), { method: "fellwalker", rms: 0.05 });
  assert.is(kept.nClumps, 2);
  const strict = await findClumps(image(data, shape), { method: "fellwalker", rms: 0.05, config: { "FellWalker.AllowEdge": 0 } });
  assert.is(strict.nClumps, 1);
  assert.ok(Math.abs(col(strict, "Cen1")[0] - 30.5) < 0.5, "the one away from the edge stays");
});

test("merging: two peaks whose dip is less than MinDip are one clump; MinDip=0 turns merging off (FellWalker)", async () => {
  const shape = [60, 30];
  const data = field(
    shape,
    [
      { x: 24, y: 15, peak: 2, sigma: 3 },
      { x: 33, y: 15, peak: 1.9, sigma: 3 },
    ],
    0.01,
  );
  // The col between the peaks is about 1.27, the lower peak 1.92: a dip of 0.65.
  const merged = await findClumps(image(data, shape), { method: "fellwalker", rms: 0.01, config: "MinDip=1" });
  assert.is((await findClumps(image(data, shape), { method: "fellwalker", rms: 0.01, config: "MinDip=0.5" })).nClumps, 2, "a dip deeper than MinDip keeps them apart");
  assert.is(merged.nClumps, 1, String(merged));
  const apart = await findClumps(image(data, shape), { method: "fellwalker", rms: 0.01, config: "MinDip=0" });
  assert.is(apart.nClumps, 2, String(apart));
  assert.is(apart.config.MINDIP, "0");
});

test("invalid input and configuration: clear errors, never a crash", async () => {
  const shape = [30, 30];
  const data = field(shape, [{ x: 15, y: 15, peak: 2, sigma: 2 }]);
  const err = async (p: Promise<unknown>) =>
    (
      (await p.then(
        () => undefined,
        (e: Error) => e,
      )) as Error | undefined
    )?.message ?? "no error";
  assert.match(await err(findClumps(image(data, shape), { method: "fellwalker", config: { "FellWalker.Colour": 3 } })), /unknown configuration parameter for fellwalker: COLOUR/);
  assert.match(await err(findClumps(image(data, shape), { method: "clumpfind", rms: 0.05, config: { "ClumpFind.Tlow": -50 } })), /Tlow \(-50\) is below the smallest data value/);
  assert.match(await err(findClumps(image(new Float32Array(900).fill(1), shape), { method: "fellwalker" })), /constant|equal/i);
  assert.match(await err(findClumps({ data: new Float32Array(2 * 3 * 4 * 5), shape: [2, 3, 4, 5] }, { method: "fellwalker" })), /4 non-degenerate axes; CUPID works on 1, 2 or 3/);
  assert.match(await err(findClumps({ data: new Float32Array(10), shape: [3, 3] }, { method: "fellwalker" })), /shape holds 9 values, the data 10/);
  assert.match(await err(findClumps(image(data, shape), { method: "dendrograms" as never })), /use one of fellwalker, clumpfind, reinhold, gaussclumps/);
  assert.match(await err(findClumps(image(data, shape), { method: "fellwalker", config: "MaxJump=2.5" })), /MaxJump.*not an integer/i);
  assert.match(await err(findClumps(image(data, shape), { method: "fellwalker", config: "Noise=lots" })), /expected a number, RMS or x\*RMS/);
  // A degenerate Stokes axis is dropped, as FINDCLUMPS does.
  const stokes = await findClumps({ data, shape: [30, 30, 1] }, { method: "fellwalker", rms: 0.05 });
  assert.is(stokes.nClumps, 1);
});

test("fuzz: random shapes, values and configurations give results or errors, never a crash", async () => {
  const r = random(99);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const keys = [
    "Noise",
    "MinDip",
    "MaxJump",
    "MinPix",
    "Tlow",
    "DeltaT",
    "FwhmBeam",
    "MaxBad",
    "CleanIter",
    "Thresh",
    "NPad",
    "MaxClumps",
    "CAThresh",
    "MinLen",
    "IDLAlg",
    "Naxis",
    "VeloRes",
    "ModelLim",
    "MaxSkip",
  ];
  const values = ["0", "-1", "1e300", "-1e300", "nan", "2*RMS", "RMS", "1", "3", "0.5", "100000", "", "x*RMS", "1e-300"];
  let ok = 0,
    refused = 0;
  for (let i = 0; i < 160; i++) {
    const ndim = 1 + Math.floor(r() * 3);
    const shape = Array.from({ length: ndim }, () => 1 + Math.floor(r() * (ndim === 3 ? 9 : 24)));
    const n = shape.reduce((a, b) => a * b, 1);
    const single = r() < 0.5;
    const pixels = Array.from({ length: n }, () => pick([r() * 10, -r(), NaN, Infinity, -Infinity, 0, 1e30, r() * 1e-30]));
    const data = single ? Float32Array.from(pixels) : Float64Array.from(pixels);
    const method = pick([...METHODS]);
    const config: Record<string, string> = {};
    for (let k = 0; k < 3; k++) if (r() < 0.5) config[pick(keys)] = pick(values);
    try {
      await findClumps(
        { data, shape },
        {
          method,
          config: Object.fromEntries(
            Object.entries(config).map(([k, v]) => [
              `${method === "gaussclumps" ? "GaussClumps" : method === "clumpfind" ? "ClumpFind" : method === "reinhold" ? "Reinhold" : "FellWalker"}.${k}`,
              v,
            ]),
          ),
          rms: r() < 0.5 ? 0.1 : undefined,
        },
      );
      ok++;
    } catch (e) {
      assert.instance(e, Error);
      assert.ok((e as Error).message.length > 10, `case ${i}: ${(e as Error).message}`);
      refused++;
    }
  }
  assert.ok(ok > 10 && refused > 10, `both outcomes exercised: ${ok} results, ${refused} errors`);
});

test("long work reports progress and stops when its signal is aborted", async () => {
  const shape = [96, 96, 64];
  const sources = Array.from({ length: 40 }, (_, k) => ({ x: 5 + ((k * 37) % 86), y: 5 + ((k * 53) % 86), z: 5 + ((k * 17) % 54), peak: 1 + (k % 5), sigma: 1.5 + (k % 3) }));
  const c = cube(field(shape, sources, 0.1), shape);
  const controller = new AbortController();
  const running = findClumps(c, { method: "gaussclumps", rms: 0.1, signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop")), 50);
  const error = await running.then(
    () => undefined,
    (e: Error) => e,
  );
  assert.is(error?.message, "stop", "the run rejects with the abort reason");
});

sharedTest(test, "jovial findclumps writes CUPID's int32 mask and catalogue, as the reference gives them", async () => {
  const ref = path.join(SHARED, "cupid", "reference", "orion_cont", "fw_default");
  const [mask, csv, fits] = ["mask.fits", "cat.csv", "cat.fits"].map((f) => path.join(dir, f));
  const input = path.join(SHARED, "data", "fits", "Orion.cont.image.fits");
  const run = (...extra: string[]) =>
    spawnSync(
      process.execPath,
      ["bin/jovial.js", "findclumps", input, "--method", "fellwalker", "--config", "FwhmBeam=4.0", "--rms", "0.002921903765971012", "--out", mask, ...extra],
      { encoding: "utf8" },
    );
  const r = run("--outcat", csv);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /26 clumps \(fellwalker/);
  const ours = readFileSync(csv, "utf8").trim().split("\n");
  const theirs = readFileSync(path.join(ref, "catalogue.csv"), "utf8").trim().split(/\r?\n/);
  assert.is(ours[0], theirs[0], "CUPID's columns in CUPID's order");
  assert.is(ours.length, theirs.length);
  const [a, b] = await Promise.all(
    [mask, path.join(ref, "mask.fits")].map(async (f) => {
      const l = await open(f);
      const d = await l.get(0).data();
      await l.close();
      return d;
    }),
  );
  assert.is(a.data.constructor, Int32Array, "an int32 mask");
  assert.equal(Array.from(a.data as Int32Array), Array.from(b.data as Int32Array, Number));
  const t = run("--outcat", fits);
  assert.is(t.status, 0, t.stderr);
  const list = await open(fits);
  const table = await list.get("CATALOGUE").table();
  assert.is(table.rows, theirs.length - 1);
  assert.ok(
    table.columns.some((c) => c.name === "RA_cen"),
    "world coordinates in the FITS catalogue",
  );
  await list.close();
  const bad = spawnSync(process.execPath, ["bin/jovial.js", "findclumps", input, "--method", "fellwalker", "--out", mask], { encoding: "utf8" });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--outcat is required/);
});

test("in a notebook the result shows the clumps outlined over the map beside the catalogue", async () => {
  const shape = [40, 40];
  const r = await findClumps(
    image(
      field(shape, [
        { x: 12, y: 12, peak: 2, sigma: 2 },
        { x: 28, y: 26, peak: 2, sigma: 2 },
      ]),
      shape,
    ),
    { method: "fellwalker", rms: 0.05 },
  );
  const bundle = (r as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  assert.match(bundle["text/plain"], /^2 clumps \(fellwalker/);
  assert.match(bundle["text/html"], /"name":"2 clumps"/, "one outline trace for the clumps");
  assert.match(bundle["text/html"], /<th>Cen1<\/th>/, "the catalogue's columns");
});

test.run();
