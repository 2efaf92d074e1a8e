// casa-bridge against python-casacore on the same files (made by test/clients/casa_fixtures.py):
// images, coordinates, pixels, masks, statistics, tables, TaQL, the MS summary, measures, the CLI.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Cube, open, visualize, writeImage } from "smoothy";
import { findClumps } from "cupid-bindings";
import {
  CasaImage,
  CasaTable,
  convertDirection,
  convertEpoch,
  convertFrequency,
  frequencyToVelocity,
  imageFromFits,
  listobs,
  observatories,
  taql,
  velocityToFrequency,
} from "casa-bridge";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";

const test = suite("casa-bridge");
const dir = mkdtempSync(path.join(os.tmpdir(), "casa-bridge-"));
const IMAGE = path.join(dir, "image.im");
const MS = path.join(dir, "small.ms");
type Quantity = { value: number; unit: string };
type Statistics = Record<string, number[]> & { maxpos: number[]; minpos: number[] };
/** What test/clients/casa_reference.py reads of the fixtures with python-casacore. */
interface CasaReference {
  image: {
    shape: number[];
    unit: string;
    imageinfo: { restoringbeam: { major: Quantity; minor: Quantity; positionangle: Quantity } };
    miscinfo: Record<string, unknown>;
    history: string[];
    direction: { frame: string; projection: string; refval: number[]; incr: number[]; refpix: number[] };
    spectral: { frame: string; restfreq: number; refval: number | number[]; incr: number | number[] };
    stokes: string[];
    data: number[];
    good: number[];
    toworld: Array<[number[], number[]]>;
    statistics: Statistics;
    statistics_box: Statistics;
  };
  ms: {
    nrows: number;
    colnames: string[];
    keywords: string[];
    TIME: number[];
    ANTENNA2: number[];
    UVW_rows_10_to_14: number[];
    FIELD_ID_every_7th: number[];
    field_names: string[];
    chan_freq: number[][][];
  };
  taql: { groupby: Record<"SCAN_NUMBER" | "FIELD_ID" | "T0" | "N", number[]>; select_where: number[]; calc: number[] };
  measures: { galactic: number[]; azel: number[]; topo_hz: number; bary_hz: number; tai_mjd: number; last_mjd: number };
}
let ref: CasaReference;

test.before(() => {
  const made = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "casa_fixtures.py"), dir], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`casa_fixtures.py: ${made.stderr}`);
  const r = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "casa_reference.py"), dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`casa_reference.py: ${r.stderr}`);
  ref = JSON.parse(r.stdout);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const close = (a: number, b: number, rel = 1e-12) => (Number.isNaN(a) && (b === null || Number.isNaN(b))) || Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));
const one = (v: number | number[]) => (Array.isArray(v) ? v[0] : v);

test("an image: shape, unit, beam, misc info, history and coordinates as python-casacore reads them", () => {
  using image = CasaImage.open(IMAGE);
  assert.equal(image.shape, ref.image.shape);
  assert.is(image.imageType, "PagedImage");
  assert.is(image.unit, ref.image.unit);
  const beam = image.beams().single!;
  const rb = ref.image.imageinfo.restoringbeam;
  // casacore reports arcsec; the Beam, as FITS's BMAJ/BMIN/BPA and smoothy's, is in degrees.
  assert.ok(close(beam.bmaj * 3600, rb.major.value, 1e-9) && close(beam.bmin * 3600, rb.minor.value, 1e-9) && close(beam.bpa, rb.positionangle.value, 1e-9), JSON.stringify(beam));
  // python-casacore stores a Python int as an int64, which casa-bridge gives as a bigint (exact, always).
  assert.equal(image.miscInfo(), { ...ref.image.miscinfo, channels: BigInt(ref.image.miscinfo.channels as number) });
  assert.equal(
    image.history().filter((h) => /casa_fixtures|casa-bridge/.test(h)),
    ref.image.history.filter((h) => /casa_fixtures|casa-bridge/.test(h)),
  );
  const cs = image.coordinates();
  const direction = cs.coordinates.find((c) => c.type === "direction")!;
  assert.is(direction.frame, ref.image.direction.frame);
  assert.is(direction.projection, ref.image.direction.projection);
  // python-casacore lists a direction's values latitude first.
  direction.referenceValue.forEach((v, j) => assert.ok(close(v, [...ref.image.direction.refval].reverse()[j]), `direction refval ${j}`));
  direction.increment.forEach((v, j) => assert.ok(close(v, [...ref.image.direction.incr].reverse()[j]), `direction incr ${j}`));
  direction.referencePixel.forEach((v, j) => assert.ok(close(v, [...ref.image.direction.refpix].reverse()[j]), `direction refpix ${j}`));
  const spectral = cs.coordinates.find((c) => c.type === "spectral")!;
  assert.is(spectral.frame, ref.image.spectral.frame);
  assert.ok(close(spectral.restFrequency!, ref.image.spectral.restfreq));
  assert.ok(close(spectral.referenceValue[0], one(ref.image.spectral.refval)) && close(spectral.increment[0], one(ref.image.spectral.incr)));
  assert.equal(cs.coordinates.find((c) => c.type === "stokes")!.stokes, ref.image.stokes);
});

test("pixels whole, by plane and by strided box, the mask, and pixel to world and back", async () => {
  using image = CasaImage.open(IMAGE);
  const whole = await image.getData();
  assert.is(whole.data.length, ref.image.data.length);
  whole.data.forEach((v, i) => assert.ok(close(v, ref.image.data[i]), `pixel ${i}: ${v} vs ${ref.image.data[i]}`));
  const [nx, ny, nz] = image.shape;
  const plane = await image.plane(5);
  assert.equal(plane.shape, [nx, ny, 1, 1]);
  assert.equal(Array.from(plane.data), Array.from(whole.data.subarray(5 * nx * ny, 6 * nx * ny)));
  const box = await image.getData({ blc: [1, 2, 3, 0], trc: [9, 10, 7, 0], inc: [2, 4, 2, 1] });
  assert.equal(box.shape, [5, 3, 3, 1]);
  assert.is(box.data[1 + 5 * (2 + 3 * 1)], whole.data[(3 + 2) * nx * ny + (2 + 4 * 2) * nx + (1 + 2 * 1)]);
  const good = await image.getMask();
  assert.equal(Array.from(good!, Number), ref.image.good);
  void nz;
  for (const [pixel, world] of ref.image.toworld) {
    const ours = image.pixelToWorldValues(...pixel.map((p) => [p])).map((a) => a[0]);
    ours.forEach((v, k) => assert.ok(close(v, world[k]), `toWorld ${pixel} axis ${k}: ${v} vs ${world[k]}`));
    const back = image.worldToPixelValues(...ours.map((v) => [v])).map((a) => a[0]);
    back.forEach((v, k) => assert.ok(Math.abs(v - pixel[k]) < 1e-6, `toPixel axis ${k}: ${v} vs ${pixel[k]}`));
  }
});

test("statistics as imstat gives them, over the image and over a box", async () => {
  using image = CasaImage.open(IMAGE);
  const check = (ours: Record<string, unknown>, theirs: Record<string, number[]>, offset: number[]) => {
    for (const key of ["npts", "sum", "sumsq", "mean", "rms", "sigma", "min", "max", "median", "medabsdevmed"]) {
      assert.ok(close(ours[key] as number, one(theirs[key]), 1e-9), `${key}: ${ours[key]} vs ${theirs[key]}`);
    }
    assert.equal(
      (ours.maxpos as number[]).slice(0, theirs.maxpos.length),
      theirs.maxpos.map((p, a) => p + offset[a]),
    );
    assert.equal(
      (ours.minpos as number[]).slice(0, theirs.minpos.length),
      theirs.minpos.map((p, a) => p + offset[a]),
    );
  };
  check((await image.statistics()) as unknown as Record<string, unknown>, ref.image.statistics, [0, 0, 0, 0]);
  check((await image.statistics({ blc: [6, 4, 2, 0], trc: [19, 15, 9, 0] })) as unknown as Record<string, unknown>, ref.image.statistics_box, [6, 4, 2]);
});

test("a CASA image becomes a smoothy Cube: WCS, unit and beam; visualize() and findClumps() work on it", async () => {
  using image = CasaImage.open(IMAGE);
  const cube = await image.toProduct();
  assert.instance(cube, Cube);
  assert.equal(cube.shape, ref.image.shape.slice(0, 3), "the Stokes axis squeezed away");
  assert.is(cube.unit, "Jy / beam");
  assert.ok(Math.abs(cube.beam!.bmaj * 3600 - 3) < 1e-9);
  for (const [pixel, world] of ref.image.toworld) {
    const w = cube.pixelToWorldValues([pixel[0]], [pixel[1]], [pixel[2]]).map((a) => a[0]);
    assert.ok(Math.abs(w[0] - (world[0] * 180) / Math.PI) < 1e-9 && Math.abs(w[1] - (world[1] * 180) / Math.PI) < 1e-9, `RA/Dec at ${pixel}`);
    assert.ok(close(w[2], world[2]), `frequency at ${pixel}`);
  }
  const view = await visualize(cube as Cube);
  assert.match(view.description, /Cube 24 × 20 × 12/);
  const clumps = await findClumps(cube as Cube, { method: "fellwalker", rms: 0.01 });
  assert.is(clumps.nClumps, 1, String(clumps));
});

test("NCP and rotated images: the smoothy product's WCS gives casacore's world coordinates", async () => {
  for (const [name, extra] of [
    ["ncp", { CTYPE1: "RA---NCP", CTYPE2: "DEC--NCP" }],
    ["rotated", { CTYPE1: "RA---SIN", CTYPE2: "DEC--SIN", PC1_1: 0.9659258, PC1_2: -0.258819, PC2_1: 0.258819, PC2_2: 0.9659258 }],
  ] as const) {
    const fits = path.join(dir, `${name}.fits`);
    await writeImage(
      fits,
      { shape: [32, 24], data: new Float32Array(32 * 24).fill(1) },
      {
        overwrite: true,
        header: {
          CRVAL1: 201.36,
          CDELT1: -0.002,
          CRPIX1: 16,
          CUNIT1: "deg",
          CRVAL2: 42.6,
          CDELT2: 0.002,
          CRPIX2: 12,
          CUNIT2: "deg",
          EQUINOX: 2000,
          RADESYS: "FK5",
          BUNIT: "Jy/beam",
          ...extra,
        },
      },
    );
    const im = path.join(dir, `${name}.im`);
    await imageFromFits(fits, im, { overwrite: true });
    using image = CasaImage.open(im);
    const product = await image.toProduct();
    const px = [0, 31, 5, 20],
      py = [0, 23, 17, 3];
    const theirs = image.pixelToWorldValues(px, py);
    const ours = product.pixelToWorldValues(px, py);
    px.forEach((_, i) => {
      const d = Math.hypot((ours[0][i] - (theirs[0][i] * 180) / Math.PI) * Math.cos(theirs[1][i] * 1), ours[1][i] - (theirs[1][i] * 180) / Math.PI);
      assert.ok(
        d < 1e-9,
        `${name} pixel (${px[i]}, ${py[i]}): smoothy ${ours[0][i]}, ${ours[1][i]} vs casacore ${(theirs[0][i] * 180) / Math.PI}, ${(theirs[1][i] * 180) / Math.PI}`,
      );
    });
  }
});

test("writing: a new CASA image, to FITS (read back by smoothy) and back from FITS", async () => {
  const made = path.join(dir, "made.im");
  {
    using image = CasaImage.create(made, [8, 6, 4, 1], {
      coordinates: CasaImage.open(IMAGE).coordinates(),
      unit: "K",
      beam: { bmaj: 2 / 3600, bmin: 1 / 3600, bpa: 10 },
      overwrite: true,
    });
    const data = Float32Array.from({ length: 8 * 6 * 4 * 1 }, (_, i) => i * 0.5);
    await image.putData(data);
    assert.equal(Array.from((await image.getData()).data), Array.from(data));
  }
  const fits = path.join(dir, "made.fits");
  const tofits = spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), "casa", "tofits", made, fits], { encoding: "utf8" });
  assert.is(tofits.status, 0, tofits.stderr);
  const list = await open(fits);
  const hdu = list.get(0);
  assert.equal(hdu.shape, [8, 6, 4, 1]);
  assert.is(hdu.header.get("BUNIT"), "K");
  assert.equal(Array.from((await hdu.section([0, 0, 0, 0], [8, 1, 1, 1])).data as Float32Array), [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
  await list.close();
  const back = path.join(dir, "back.im");
  const fromfits = spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), "casa", "fromfits", path.join(dir, "image.fits"), back], { encoding: "utf8" });
  assert.is(fromfits.status, 0, fromfits.stderr);
  using image = CasaImage.open(back);
  assert.equal(image.shape, ref.image.shape);
  const data = (await image.getData()).data;
  data.forEach((v, i) => assert.ok(close(v, ref.image.data[i]), `round-tripped pixel ${i}`));
});

test("tables: columns, types, shapes, keywords, ranges of rows and single cells", async () => {
  using ms = CasaTable.open(MS);
  assert.is(ms.nrows, ref.ms.nrows);
  assert.equal(ms.columnNames(), ref.ms.colnames);
  assert.equal(Object.keys(ms.keywords()).sort(), ref.ms.keywords);
  const time = await ms.getColumn("TIME");
  assert.instance(time.values, Float64Array);
  assert.equal(Array.from(time.values as Float64Array), ref.ms.TIME);
  assert.equal(Array.from((await ms.getColumn("ANTENNA2")).values as Int32Array), ref.ms.ANTENNA2);
  const uvw = await ms.getColumn("UVW", { start: 10, nrow: 5 });
  assert.equal(uvw.shape, [5, 3]);
  assert.equal(Array.from(uvw.values as Float64Array), ref.ms.UVW_rows_10_to_14);
  assert.equal(Array.from((await ms.getColumn("FIELD_ID", { incr: 7 })).values as Int32Array), ref.ms.FIELD_ID_every_7th);
  const uvwDesc = ms.describeColumn("UVW");
  assert.is(uvwDesc.valueType, "double");
  assert.equal(uvwDesc.shape, [3]);
  assert.is(ms.getCell("SCAN_NUMBER", 40), 2);
  using field = CasaTable.open(`${MS}/FIELD`);
  assert.equal((await field.getColumn("NAME")).values, ref.ms.field_names);
  using spw = CasaTable.open(`${MS}/SPECTRAL_WINDOW`);
  const freqs = await spw.getColumn("CHAN_FREQ");
  const rows = freqs.values as unknown as Array<{ values: Float64Array }>;
  // python-casacore gives each row of getvarcol with a leading row axis: [[...]].
  assert.equal(
    rows.map((r) => Array.from(r.values)),
    ref.ms.chan_freq.map((r) => r.flat()),
    "a column whose cells vary in shape: one array per row",
  );
  assert.throws(() => ms.putCell("SCAN_NUMBER", 0, 9), /read-only|not writable|writable/i);
});

test("read-write tables keep what is written", async () => {
  {
    using field = CasaTable.open(`${MS}/FIELD`, { writable: true });
    field.putCell("CODE", 2, "Q");
  }
  using again = CasaTable.open(`${MS}/FIELD`);
  assert.is(again.getCell("CODE", 2), "Q");
});

test("TaQL: GROUPBY, WHERE and CALC as python-casacore gives them", async () => {
  const grouped = (await taql(`SELECT SCAN_NUMBER, FIELD_ID, gmin(TIME) AS T0, gcount() AS N FROM '${MS}' GROUPBY SCAN_NUMBER, FIELD_ID ORDERBY SCAN_NUMBER`)) as CasaTable;
  for (const name of ["SCAN_NUMBER", "FIELD_ID", "T0", "N"])
    assert.equal(Array.from((await grouped.getColumn(name)).values as ArrayLike<number>, Number), ref.taql.groupby[name as keyof CasaReference["taql"]["groupby"]], name);
  grouped.close();
  const where = (await taql(`SELECT ANTENNA1, ANTENNA2 FROM '${MS}' WHERE SCAN_NUMBER == 2 AND DATA_DESC_ID == 1`)) as CasaTable;
  assert.equal(Array.from((await where.getColumn("ANTENNA2")).values as Int32Array), ref.taql.select_where);
  where.close();
  const calc = (await taql("CALC sum([1.5, 2, 3.25])")) as { values: unknown[] };
  assert.equal(calc.values.map(Number), ref.taql.calc);
});

test("bad paths, non-tables, wrong columns and malformed TaQL are clear errors", async () => {
  assert.throws(() => CasaTable.open(path.join(dir, "nowhere.ms")), /nowhere\.ms/);
  assert.throws(() => CasaImage.open(path.join(dir, "small.ms")), /small\.ms/);
  assert.throws(() => CasaImage.open(path.join(dir, "nothing.im")), /nothing\.im/);
  using ms = CasaTable.open(MS);
  await assert.is(
    await ms.getColumn("NO_SUCH_COLUMN").then(
      () => "read",
      (e: Error) => /NO_SUCH_COLUMN/.test(e.message),
    ),
    true,
  );
  const bad = await taql("SELEKT * FROM nowhere").then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(bad?.message ?? "", /SELEKT/);
  const rows = await ms.getColumn("TIME", { start: 10_000 }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(rows, "rows beyond the table are an error");
});

test("listobs: observation, fields, spectral windows, antennas and scans", async () => {
  const summary = await listobs(MS);
  assert.is(summary.nrows, 180);
  assert.is(summary.observation.telescope, "ALMA");
  assert.equal(
    summary.fields.map((f) => f.name),
    ref.ms.field_names,
  );
  assert.ok(Math.abs(summary.fields[0].ra - 83.8221) < 1e-9 && Math.abs(summary.fields[0].dec + 5.3911) < 1e-9);
  assert.match(summary.fields[0].raText, /^05:35:17\.30/);
  assert.equal(
    summary.fields.map((f) => f.nrows),
    [108, 36, 36],
  );
  assert.equal(
    summary.spectralWindows.map((w) => [w.nchan, w.frame, w.firstChannelHz]),
    [
      [8, "TOPO", 230e9],
      [16, "TOPO", 231.5e9],
    ],
  );
  assert.equal(summary.spectralWindows[0].correlations, ["XX", "YY"]);
  assert.equal(
    summary.antennas.map((a) => a.name),
    ["DA41", "DA42", "DV07", "PM03"],
  );
  assert.equal(
    summary.scans.map((s) => [s.scan, s.fieldId, s.nrows, s.spws]),
    ref.taql.groupby.SCAN_NUMBER.map((n, i) => [n, ref.taql.groupby.FIELD_ID[i], 36, [0, 1]]),
  );
  summary.scans.forEach((s, i) => assert.ok(Math.abs(s.startMjd * 86400 - ref.taql.groupby.T0[i]) < 1e-6));
});

test("measures: directions, frequencies and epochs as casacore's measures in python", () => {
  const gal = convertDirection(83.8221, -5.3911, "J2000", "GALACTIC");
  const deg = (rad: number) => ((((rad * 180) / Math.PI) % 360) + 360) % 360;
  assert.ok(
    Math.abs(gal.lon[0] - deg(ref.measures.galactic[0])) < 1e-9 && Math.abs(gal.lat[0] - (ref.measures.galactic[1] * 180) / Math.PI) < 1e-9,
    `${gal.lon[0]}, ${gal.lat[0]}`,
  );
  const frame = { observatory: "ALMA", epoch: 60370.25, direction: [83.8221, -5.3911] as [number, number] };
  const azel = convertDirection(83.8221, -5.3911, "J2000", "AZEL", frame);
  assert.ok(
    Math.abs(azel.lon[0] - deg(ref.measures.azel[0])) < 1e-7 && Math.abs(azel.lat[0] - (ref.measures.azel[1] * 180) / Math.PI) < 1e-7,
    `AZEL ${azel.lon[0]}, ${azel.lat[0]}`,
  );
  assert.ok(close(convertFrequency(230.538e9, "LSRK", "TOPO", frame)[0], ref.measures.topo_hz, 1e-12));
  assert.ok(close(convertFrequency(230.538e9, "LSRK", "BARY", frame)[0], ref.measures.bary_hz, 1e-12));
  const v = frequencyToVelocity(230.5e9, 230.538e9, "RADIO")[0];
  assert.ok(Math.abs(v - 299792458 * (1 - 230.5 / 230.538)) < 1e-6);
  assert.ok(Math.abs(velocityToFrequency(v, 230.538e9, "RADIO")[0] - 230.5e9) < 1e-3);
  assert.ok(close(convertEpoch(60370.25, "UTC", "TAI")[0], ref.measures.tai_mjd, 1e-15));
  assert.ok(close(convertEpoch(60370.25, "UTC", "LAST", { observatory: "ALMA" })[0], ref.measures.last_mjd, 1e-12));
  assert.ok(observatories().includes("ALMA"));
});

test("casacore's log never reaches stderr unless asked for; with a logger it arrives there", async () => {
  const script = `import { convertEpoch, setCasaLogger } from "casa-bridge";
const seen = [];
if (process.argv.includes("log")) setCasaLogger((priority, origin, message) => seen.push(priority + " " + message));
convertEpoch(60370.25, "UTC", "LAST", { observatory: "ALMA" });
// The sink is called on the event loop, after the conversion.
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify(seen.length));`;
  const run = (...args: string[]) => spawnSync(process.execPath, ["--input-type=module", "-e", script, ...args], { encoding: "utf8", cwd: ROOT });
  const quiet = run();
  assert.is(quiet.status, 0, quiet.stderr);
  assert.is(quiet.stderr, "", "nothing from casacore on stderr");
  const logged = run("log");
  assert.ok(Number(logged.stdout) > 0, `messages reached the logger: ${logged.stdout} ${logged.stderr}`);
});

test("concurrent reads of one image from many promises: one lock per table, no crash", async () => {
  using image = CasaImage.open(IMAGE);
  const planes = await Promise.all(Array.from({ length: 40 }, (_, k) => image.plane(k % 12)));
  planes.forEach((p, k) => assert.is(p.data.length, 24 * 20, `plane ${k}`));
  const stats = await Promise.all(Array.from({ length: 8 }, () => image.statistics()));
  assert.ok(stats.every((s) => s.npts === stats[0].npts));
});

test("jovial casa info, taql and listobs from the shell", () => {
  const jovial = (...a: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), "casa", ...a], { encoding: "utf8" });
  const info = jovial("info", IMAGE, "--json");
  assert.is(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).shape, ref.image.shape);
  const table = jovial("info", MS);
  assert.match(table.stdout, /180 rows/);
  const q = jovial("taql", `SELECT gcount() AS N FROM '${MS}' GROUPBY FIELD_ID`, "--json");
  assert.is(q.status, 0, q.stderr);
  assert.equal(
    JSON.parse(q.stdout).rows.map((r: { N: number }) => r.N),
    [108, 36, 36],
  );
  const l = jovial("listobs", MS);
  assert.match(l.stdout, /Fields: 3/);
  assert.match(l.stdout, /Orion_KL/);
  const bad = jovial("listobs");
  assert.is(bad.status, 2);
});

test.run();
