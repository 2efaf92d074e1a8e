// Writing images: every pixel type round-trips exactly through smoothy and through astropy.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { open, writeImage, writeTable } from "smoothy";
import { PYTHON } from "../helpers/kernel-client.ts";

const test = suite("fits write");
const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-write-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const samples = {
  uint8: Uint8Array.from([0, 1, 128, 255, 7, 9]),
  int8: Int8Array.from([-128, -1, 0, 1, 127, 5]),
  int16: Int16Array.from([-32768, -1, 0, 1, 32767, 12]),
  uint16: Uint16Array.from([0, 1, 32768, 65535, 40000, 3]),
  int32: Int32Array.from([-2147483648, -1, 0, 1, 2147483647, 8]),
  uint32: Uint32Array.from([0, 1, 2147483648, 4294967295, 3000000000, 2]),
  int64: BigInt64Array.from([-9223372036854775808n, -1n, 0n, 1n, 9223372036854775807n, 2n ** 53n + 1n]),
  float32: Float32Array.from([1.5, -0, NaN, Infinity, 3.4e38, 1e-45]),
  float64: Float64Array.from([Math.PI, -0, NaN, -Infinity, 1.7e308, 5e-324]),
};

for (const [name, data] of Object.entries(samples)) {
  test(`${name}: written, read back identically by smoothy and by astropy`, async () => {
    const file = path.join(dir, `${name}.fits`);
    const title = "An ALMA Band 6 spectral cube of the Orion KL hot core, continuum subtracted, primary beam corrected";
    await writeImage(file, { shape: [3, 2], data }, { header: { OBJECT: "Orion KL", BUNIT: "Jy/beam", EXPTIME: 12.5, FLAG: true, TITLE: title } });
    const list = await open(file);
    const hdu = list.get(0);
    assert.is(hdu.dtype, name);
    assert.equal(hdu.shape, [3, 2]);
    assert.is(hdu.header.get("OBJECT"), "Orion KL");
    assert.is(hdu.header.get("EXPTIME"), 12.5);
    assert.is(hdu.header.get("TITLE"), title, "a long string, on CONTINUE cards");
    const back = await hdu.data();
    assert.equal(Array.from(back.data as ArrayLike<unknown>, String), Array.from(data as ArrayLike<unknown>, String));
    await list.close();
    const r = spawnSync(
      PYTHON,
      [
        "-c",
        `import sys, json; from astropy.io import fits; d, h = fits.getdata(sys.argv[1], header=True); print(json.dumps([d.dtype.name, [str(v) for v in d.ravel().tolist()], h["TITLE"]]))`,
        file,
      ],
      { encoding: "utf8" },
    );
    assert.is(r.status, 0, r.stderr);
    const [dtype, values, astropyTitle] = JSON.parse(r.stdout) as [string, string[], string];
    assert.is(astropyTitle, title, "astropy reads the CONTINUE'd string");
    assert.is(dtype, name);
    const ours = Array.from(data as ArrayLike<unknown>, (v) =>
      typeof v === "number" && Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : Object.is(v, -0) ? "-0.0" : String(v),
    );
    const theirs = values.map((v) => v.replace(/\.0$/, "").replace(/^-0$/, "-0.0"));
    assert.equal(
      theirs.map((v) => (Number.isNaN(Number(v)) ? v : String(Number(v)))),
      ours.map((v) => (Number.isNaN(Number(v)) ? v : String(Number(v)))),
    );
  });
}

test("an existing file is replaced only with overwrite, and no temporary file is left behind", async () => {
  const file = path.join(dir, "keep.fits");
  writeFileSync(file, "old contents");
  const refused = await writeImage(file, { shape: [2], data: Float32Array.from([1, 2]) }).catch((e) => e);
  assert.match(refused.message, /keep\.fits exists \(pass \{ overwrite: true \}/);
  assert.is(readFileSync(file, "utf8"), "old contents");
  const mismatch = await writeImage(file, { shape: [3], data: Float32Array.from([1, 2]) }, { overwrite: true }).catch((e) => e);
  assert.match(mismatch.message, /shape 3 holds 3 values, the data 2/);
  assert.is(readFileSync(file, "utf8"), "old contents", "a refused write leaves the old file intact");
  await writeImage(file, { shape: [2], data: Float32Array.from([1, 2]) }, { overwrite: true });
  const list = await open(file);
  assert.equal([...(await list.get(0).data()).data], [1, 2]);
  await list.close();
  assert.equal(
    readdirSync(dir).filter((f) => f.endsWith(".tmp")),
    [],
  );
});

test("writeTable: every column type round-trips through smoothy and astropy", async () => {
  const file = path.join(dir, "table.fits");
  const columns = {
    ra: Float64Array.from([83.822, 266.417, 0.5]),
    flux: { values: Float32Array.from([1.5, NaN, -2]), repeat: 1, unit: "Jy" },
    count: Int32Array.from([-1, 0, 2147483647]),
    small: Int16Array.from([-32768, 5, 32767]),
    id: BigInt64Array.from([1n, -2n, 9007199254740993n]),
    ushort: Uint16Array.from([0, 40000, 65535]),
    uint: Uint32Array.from([0, 3000000000, 4294967295]),
    byte: Uint8Array.from([0, 128, 255]),
    sbyte: Int8Array.from([-128, 0, 127]),
    name: ["Orion KL", "Sgr B2", ""],
    good: [true, false, true],
    vec: { values: Float32Array.from([1, 2, 3, 4, 5, 6]), repeat: 2 },
  };
  await writeTable(file, columns, { extname: "CATALOGUE", header: { ORIGIN: "JOVIAL" } });
  const list = await open(file);
  const hdu = list.get("CATALOGUE");
  assert.is(hdu.header.get("ORIGIN"), "JOVIAL");
  const table = await hdu.table();
  assert.is(table.rows, 3);
  for (const [name, input] of Object.entries(columns)) {
    const expected = Array.from((ArrayBuffer.isView(input) || Array.isArray(input) ? input : input.values) as ArrayLike<unknown>, String);
    assert.equal(Array.from(table.column(name).values as ArrayLike<unknown>, String), expected, name);
  }
  assert.is(table.column("flux").column.unit, "Jy");
  assert.is(table.column("ushort").values.constructor, Uint16Array);
  await list.close();
  const r = spawnSync(
    PYTHON,
    [
      "-c",
      "import sys, json; from astropy.io import fits; d = fits.getdata(sys.argv[1], 'CATALOGUE'); print(json.dumps({n: [str(v) for v in d[n].ravel().tolist()] for n in d.columns.names}))",
      file,
    ],
    { encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stderr);
  const astropy = JSON.parse(r.stdout) as Record<string, string[]>;
  assert.equal(astropy.uint, ["0", "3000000000", "4294967295"]);
  assert.equal(astropy.sbyte.map(Number), [-128, 0, 127], "astropy 5.2 gives the int8 convention as floats; same values");
  assert.equal(
    astropy.name.map((v) => v.trimEnd()),
    ["Orion KL", "Sgr B2", ""],
    "space-padded, as the standard pads",
  );
  assert.equal(astropy.good, ["True", "False", "True"]);
  assert.equal(astropy.id, ["1", "-2", "9007199254740993"]);
  assert.equal(astropy.vec, ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"]);
  const ragged = await writeTable(path.join(dir, "bad.fits"), { a: Float32Array.from([1, 2]), b: Float32Array.from([1]) }).catch((e) => e);
  assert.match(ragged.message, /column b has 1 rows, the table 2/);
});

test("writeTable: variable-length columns round-trip through smoothy and astropy", async () => {
  const file = path.join(dir, "vla.fits");
  const spectra = [Float32Array.from([1, 2.5, NaN]), new Float32Array(0), Float32Array.from([-7])];
  const flags = [Int16Array.from([-32768]), Int16Array.from([1, 2]), Int16Array.from([0, 0, 32767])];
  const unsigned = [Uint16Array.from([65535]), Uint16Array.from([1, 2]), Uint16Array.from([0, 0, 40000])];
  await writeTable(file, { spectrum: spectra, flags, unsigned, id: Int32Array.from([10, 20, 30]) });
  const list = await open(file);
  const table = await list.get(1).table();
  assert.is(list.get(1).header.get("TFORM1"), "1PE(3)");
  assert.equal(
    (table.column("spectrum").values as Float32Array[]).map((a) => Array.from(a, String)),
    spectra.map((a) => Array.from(a, String)),
  );
  assert.equal(
    (table.column("flags").values as Int16Array[]).map((a) => Array.from(a)),
    flags.map((a) => Array.from(a)),
  );
  assert.equal(
    (table.column("unsigned").values as Uint16Array[]).map((a) => Array.from(a)),
    unsigned.map((a) => Array.from(a)),
    "TZERO 32768 on a P column",
  );
  assert.equal(Array.from(table.column("id").values as Int32Array), [10, 20, 30]);
  await list.close();
  const r = spawnSync(
    PYTHON,
    [
      "-c",
      "import sys, json; from astropy.io import fits; d = fits.getdata(sys.argv[1], 1); print(json.dumps({n: [[str(v) for v in row] for row in d[n]] for n in ('spectrum', 'flags')}))",
      file,
    ],
    { encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stderr);
  // Not the unsigned column: astropy 5.2 applies TZERO to the first row of a variable-length column only.
  assert.equal(JSON.parse(r.stdout), { spectrum: [["1.0", "2.5", "nan"], [], ["-7.0"]], flags: [["-32768"], ["1", "2"], ["0", "0", "32767"]] });
  const mixed = await writeTable(path.join(dir, "mixed.fits"), { a: [Float32Array.from([1]), Float64Array.from([2])] }).catch((e) => e);
  assert.match(mixed.message, /typed arrays of one type in every row/);
});

test("writeTable: ASCII tables round-trip exactly through smoothy and astropy", async () => {
  const file = path.join(dir, "ascii.fits");
  const columns = {
    name: ["Orion KL", "Sgr B2", "W51"],
    ra: Float64Array.from([83.80666666666667, 266.8341666666667, -1e-300]),
    flux: { values: Float32Array.from([0.1, NaN, 3.4028234663852886e38]), unit: "Jy" },
    count: Int32Array.from([-2147483648, 0, 7]),
  };
  await writeTable(file, columns, { format: "ascii", extname: "SOURCES" });
  const list = await open(file);
  const hdu = list.get("SOURCES");
  assert.is(hdu.header.get("XTENSION"), "TABLE");
  const table = await hdu.table();
  assert.equal(Array.from(table.column("ra").values as ArrayLike<number>), Array.from(columns.ra), "17 significant digits: float64 exact");
  assert.equal(
    Array.from(table.column("flux").values as ArrayLike<number>, (v) => Math.fround(v)),
    Array.from(columns.flux.values),
    "9 significant digits: float32 exact",
  );
  assert.equal(Array.from(table.column("count").values as ArrayLike<number>, Number), [-2147483648, 0, 7]);
  assert.equal(
    (table.column("name").values as string[]).map((v) => v.trimEnd()),
    columns.name,
  );
  await list.close();
  const r = spawnSync(
    PYTHON,
    [
      "-c",
      "import sys, json; from astropy.io import fits; d = fits.getdata(sys.argv[1], 'SOURCES'); print(json.dumps({n: [str(v) for v in d[n].tolist()] for n in d.columns.names}))",
      file,
    ],
    { encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stderr);
  const astropy = JSON.parse(r.stdout) as Record<string, string[]>;
  assert.equal(astropy.ra.map(Number), Array.from(columns.ra));
  assert.equal(astropy.count, ["-2147483648", "0", "7"]);
  assert.equal(
    astropy.name.map((v) => v.trimEnd()),
    columns.name,
  );
  assert.is(Math.fround(Number(astropy.flux[0])), Math.fround(0.1));
  assert.is(astropy.flux[1], "nan", "NaN is written as astropy writes it");
  const logical = await writeTable(path.join(dir, "bad-ascii.fits"), { ok: [true] }, { format: "ascii" }).catch((e) => e);
  assert.match(logical.message, /strings, floats and integers only/);
});

test.run();
