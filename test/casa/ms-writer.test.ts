// createMeasurementSet against python-casacore: the MS it writes, read back by Debian's python3-casacore
// (test/casa/ms_reader.py), has the tables, column descriptions and values of the MS that
// test/clients/casa_fixtures.py makes with python-casacore's default_ms from the same content, and the
// same listobs; UVW it computes is casacore's own (derivedmscal); wrong parameters and failed writes
// leave the target as it was.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CasaTable, createMeasurementSet, formatListobs, listobs, type MeasurementSetSpec, type MsRows } from "casa-bridge";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";

const test = suite("createMeasurementSet");
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "casa-ms-writer-"));
const FIXTURE = path.join(dir, "small.ms");
const ROWS_MS = path.join(dir, "rows.ms");
const SCANS_MS = path.join(dir, "scans.ms");
const DATA_MS = path.join(dir, "data.ms");

// casa_fixtures.py's small.ms, as a description: 4 antennas, 3 fields, 2 spectral windows (8 and 16
// channels), XX/YY, 5 scans over both windows of 3 integrations each.
const START = 60370 * 86400;
const INTERVAL = 6.048;
const SCAN_FIELDS = [0, 1, 0, 2, 0];
// numpy's radians multiplies by pi/180 as one constant.
const rad = (deg: number) => deg * (Math.PI / 180);
const CONTENT: MeasurementSetSpec = {
  antennas: ["DA41", "DA42", "DV07", "PM03"].map((name, i) => ({
    name,
    station: ["A001", "A002", "A007", "T703"][i],
    dishDiameter: 12,
    position: [2225061 + 10 * i, -5440057 - 7 * i, -2481681 + 3 * i],
  })),
  fields: (
    [
      ["Orion_KL", 83.8221, -5.3911, "T"],
      ["J0522-3627", 80.7416, -36.4586, "P"],
      ["Titan", 201.0, -10.5, "F"],
    ] as const
  ).map(([name, ra, dec, code]) => ({
    name,
    code,
    phaseDir: [rad(ra), rad(dec)],
  })),
  spectralWindows: (
    [
      ["SPW0", 8, 230.0e9, 15.625e6],
      ["SPW1", 16, 231.5e9, -7.8125e6],
    ] as const
  ).map(([name, n, f0, df]) => ({
    name,
    chanFreq: Float64Array.from({ length: n }, (_, k) => f0 + df * k),
    chanWidth: df,
    refFrequency: f0 + df * Math.floor(n / 2),
    totalBandwidth: Math.abs(df) * n,
    measFreqRef: "TOPO",
  })),
  polarizations: [{ corrType: ["XX", "YY"] }],
  observation: { telescopeName: "ALMA", observer: "jovial", project: "2024.1.00001.S", timeRange: [START, START + 3600] },
};

// The fixture's main table, row for row (its UVW is made up: 100 a, -50 b, 3).
function fixtureRows(): MsRows {
  const rows = {
    time: [] as number[],
    fieldId: [] as number[],
    scanNumber: [] as number[],
    dataDescId: [] as number[],
    antenna1: [] as number[],
    antenna2: [] as number[],
    uvw: [] as number[],
    interval: INTERVAL,
  };
  let t = START;
  SCAN_FIELDS.forEach((field, i) => {
    for (let k = 0; k < 3; k++) {
      for (const dd of [0, 1]) {
        for (let a = 0; a < 4; a++) {
          for (let b = a + 1; b < 4; b++) {
            rows.time.push(t + INTERVAL * k);
            rows.fieldId.push(field);
            rows.scanNumber.push(i + 1);
            rows.dataDescId.push(dd);
            rows.antenna1.push(a);
            rows.antenna2.push(b);
            rows.uvw.push(100 * a, -50 * b, 3);
          }
        }
      }
    }
    t += 300;
  });
  return rows;
}

// The same scans, with TIME the middle of each integration as the fixture has it and the rest by default.
const SCANS = SCAN_FIELDS.map((fieldId, i) => ({ fieldId, start: START + 300 * i - INTERVAL / 2, interval: INTERVAL, integrations: 3 }));

interface TableDump {
  nrows: number;
  info: Record<string, string>;
  keywords: string[];
  columns: Record<string, { desc: Record<string, unknown>; cells: unknown[] }>;
}
interface MsDump {
  tables: Record<string, TableDump>;
  uvwj2000?: number[][];
}
let dumps: Record<string, MsDump>;

function readWithPython(...paths: string[]): Record<string, MsDump> {
  const r = spawnSync(PYTHON, [path.join(here, "ms_reader.py"), "--uvw", ...paths], { encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`ms_reader.py: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test.before(async () => {
  const made = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "casa_fixtures.py"), dir], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`casa_fixtures.py: ${made.stderr}`);
  await createMeasurementSet(ROWS_MS, { ...CONTENT, rows: fixtureRows() });
  const { timeRange: _, ...observation } = CONTENT.observation!;
  await createMeasurementSet(SCANS_MS, { ...CONTENT, observation, spectralWindows: CONTENT.spectralWindows.map(({ totalBandwidth: _t, ...w }) => w), scans: SCANS });
  await createMeasurementSet(DATA_MS, { ...CONTENT, scans: SCANS.slice(0, 1), dataColumns: ["DATA", "MODEL_DATA"] });
  dumps = readWithPython(FIXTURE, ROWS_MS, SCANS_MS, DATA_MS);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const close = (a: unknown, b: unknown, rel: number): boolean => {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i], rel));
  if (typeof a === "number" && typeof b === "number") return a === b || Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));
  return a === b;
};
const stagingLeft = (folder: string) => readdirSync(folder).filter((n) => n.includes(".jovial-"));

// Where our MS deliberately differs from default_ms + casa_fixtures.py, which leaves these at 0 or undefined.
const OURS_ONLY: Record<string, string[]> = {
  MAIN: ["FLAG", "WEIGHT", "SIGMA", "PROCESSOR_ID", "STATE_ID"],
  FIELD: ["SOURCE_ID"],
  SPECTRAL_WINDOW: ["NET_SIDEBAND"],
};

test("the tables, their keywords and column descriptions are default_ms's", () => {
  const theirs = dumps[FIXTURE].tables,
    ours = dumps[ROWS_MS].tables;
  assert.equal(Object.keys(ours).sort(), Object.keys(theirs).sort());
  for (const [name, table] of Object.entries(theirs)) {
    assert.equal(ours[name].keywords, table.keywords, `${name} keywords`);
    assert.equal(ours[name].info, table.info, `${name} table info`);
    assert.equal(Object.keys(ours[name].columns), Object.keys(table.columns), `${name} columns`);
    for (const [column, { desc }] of Object.entries(table.columns)) assert.equal(ours[name].columns[column].desc, desc, `${name} ${column} description`);
  }
  assert.is(ours.MAIN.info.type, "Measurement Set");
});

test("every value the python fixture writes reads back the same from ours", () => {
  const theirs = dumps[FIXTURE].tables,
    ours = dumps[ROWS_MS].tables;
  let compared = 0;
  for (const [name, table] of Object.entries(theirs)) {
    if (name === "FEED") continue; // empty in the fixture; ours has a row per antenna (next test)
    assert.is(ours[name].nrows, table.nrows, `${name} rows`);
    for (const [column, { cells }] of Object.entries(table.columns)) {
      if (OURS_ONLY[name]?.includes(column) || cells.some((c) => c === null)) continue;
      assert.ok(
        close(ours[name].columns[column].cells, cells, 1e-15),
        `${name} ${column}: ${JSON.stringify(ours[name].columns[column].cells).slice(0, 200)} vs ${JSON.stringify(cells).slice(0, 200)}`,
      );
      compared++;
    }
  }
  assert.ok(compared >= 50, `${compared} columns compared`);
  for (const column of ["NAME", "STATION", "POSITION", "DISH_DIAMETER"]) assert.ok(ours.ANTENNA.columns[column].cells.length === 4, `ANTENNA ${column}`);
});

test("what default_ms leaves undefined is written as CASA writes it: FLAG, WEIGHT, SIGMA per row, one FEED per antenna, -1 for no STATE/PROCESSOR/SOURCE", () => {
  const ours = dumps[ROWS_MS].tables;
  const { dataDescId } = fixtureRows();
  const nchan = [8, 16];
  ours.MAIN.columns.FLAG.cells.forEach((cell, i) => {
    // python-casacore's numpy order: [channel][correlation].
    assert.equal(
      cell,
      Array.from({ length: nchan[dataDescId[i] as number] }, () => [false, false]),
      `FLAG row ${i}`,
    );
  });
  for (const column of ["WEIGHT", "SIGMA"])
    assert.ok(
      ours.MAIN.columns[column].cells.every((c) => close(c, [1, 1], 0)),
      column,
    );
  for (const column of ["PROCESSOR_ID", "STATE_ID"])
    assert.ok(
      ours.MAIN.columns[column].cells.every((c) => c === -1),
      column,
    );
  assert.equal(ours.FIELD.columns.SOURCE_ID.cells, [-1, -1, -1]);
  assert.equal(ours.SPECTRAL_WINDOW.columns.NET_SIDEBAND.cells, [1, 1]);
  assert.equal(ours.POLARIZATION.columns.CORR_PRODUCT.cells, [
    [
      [0, 0],
      [1, 1],
    ],
  ]);
  const feed = ours.FEED.columns;
  assert.is(ours.FEED.nrows, 4);
  assert.equal(feed.ANTENNA_ID.cells, [0, 1, 2, 3]);
  assert.equal(feed.SPECTRAL_WINDOW_ID.cells, [-1, -1, -1, -1]);
  assert.equal(feed.NUM_RECEPTORS.cells, [2, 2, 2, 2]);
  assert.ok(feed.POLARIZATION_TYPE.cells.every((c) => close(c, ["X", "Y"], 0)));
  assert.ok(
    feed.POL_RESPONSE.cells.every((c) =>
      close(
        c,
        [
          [
            [1, 0],
            [0, 0],
          ],
          [
            [0, 0],
            [1, 0],
          ],
        ],
        0,
      ),
    ),
  );
  assert.ok(feed.TIME.cells.every((c) => c === START));
});

test("scans: the fixture's rows, TIME_RANGE and totals by default, UVW as casacore's derivedmscal computes it", () => {
  const theirs = dumps[FIXTURE].tables.MAIN.columns,
    ours = dumps[SCANS_MS].tables.MAIN.columns;
  for (const column of ["FIELD_ID", "SCAN_NUMBER", "DATA_DESC_ID", "ANTENNA1", "ANTENNA2", "INTERVAL", "EXPOSURE", "ARRAY_ID", "OBSERVATION_ID", "FEED1", "FEED2"]) {
    assert.equal(ours[column].cells, theirs[column].cells, column);
  }
  for (const column of ["TIME", "TIME_CENTROID"]) assert.ok(close(ours[column].cells, theirs[column].cells, 1e-15), column);
  const spw = dumps[SCANS_MS].tables.SPECTRAL_WINDOW.columns;
  assert.equal(spw.TOTAL_BANDWIDTH.cells, [125e6, 125e6]);
  const range = dumps[SCANS_MS].tables.OBSERVATION.columns.TIME_RANGE.cells[0] as number[];
  assert.ok(close(range, [START - INTERVAL / 2, START + 1200 + 2.5 * INTERVAL], 1e-15), `TIME_RANGE ${range}`);
  const uvw = ours.UVW.cells as number[][],
    casacore = dumps[SCANS_MS].uvwj2000!;
  uvw.forEach((u, i) =>
    assert.ok(
      u.every((x, c) => Math.abs(x - casacore[i][c]) < 1e-6),
      `UVW row ${i}: ${u} vs ${casacore[i]}`,
    ),
  );
  // A rotation keeps lengths: |uvw| is the baseline's length.
  const positions = dumps[SCANS_MS].tables.ANTENNA.columns.POSITION.cells as number[][];
  uvw.forEach((u, i) => {
    const a = positions[ours.ANTENNA1.cells[i] as number],
      b = positions[ours.ANTENNA2.cells[i] as number];
    assert.ok(Math.abs(Math.hypot(...u) - Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2])) < 1e-6, `|UVW| row ${i}`);
  });
  assert.ok(new Set(uvw.map((u) => u.join())).size > 6, "UVW changes with time and field");
});

test("listobs of ours is listobs of the python-made MS", async () => {
  const theirs = await listobs(FIXTURE);
  for (const ms of [ROWS_MS, SCANS_MS]) {
    const summary = await listobs(ms);
    assert.equal({ ...summary, ms: FIXTURE }, theirs, `listobs ${path.basename(ms)}`);
    assert.is(formatListobs(summary).replace(ms, FIXTURE), formatListobs(theirs));
  }
});

test("visibility columns: DATA and MODEL_DATA zero-filled, shaped per row; casa-bridge reads them as python does", () => {
  const dump = dumps[DATA_MS].tables.MAIN;
  assert.ok("DATA" in dump.columns && "MODEL_DATA" in dump.columns && !("CORRECTED_DATA" in dump.columns));
  assert.is(dump.columns.DATA.desc.valueType, "complex");
  const dataDescId = dump.columns.DATA_DESC_ID.cells as number[];
  assert.is(dump.nrows, 36);
  dump.columns.DATA.cells.forEach((cell, i) => {
    assert.equal(
      cell,
      Array.from({ length: [8, 16][dataDescId[i]] }, () => [
        [0, 0],
        [0, 0],
      ]),
      `DATA row ${i}`,
    );
  });
  using ms = CasaTable.open(DATA_MS);
  const cell = ms.getCell("MODEL_DATA", 6) as { shape: number[]; values: Float32Array; complex?: boolean };
  assert.equal(cell.shape, [2, 16]);
  assert.ok(Array.from(cell.values).every((v) => v === 0));
});

const bad = (mutate: (spec: MeasurementSetSpec & { rows: MsRows }) => unknown) => {
  const spec = structuredClone({ ...CONTENT, rows: fixtureRows() });
  return (mutate(spec) ?? spec) as MeasurementSetSpec;
};

test("a wrong parameter is an Error naming it and the cause, and writes nothing", async () => {
  const target = path.join(dir, "bad.ms");
  const cases: Array<[string, MeasurementSetSpec, RegExp, typeof TypeError | typeof RangeError]> = [
    [
      "antenna out of range",
      bad((s) => {
        s.rows.antenna2 = [...(s.rows.antenna2 as number[])];
        (s.rows.antenna2 as number[])[7] = 4;
      }),
      /rows\.antenna2\[7\] is 4, but there are 4 antennas \(0\.\.3\)/,
      RangeError,
    ],
    [
      "a column one short",
      bad((s) => {
        s.rows.scanNumber = (s.rows.scanNumber as number[]).slice(1);
      }),
      /rows\.scanNumber has 179 values, rows\.time 180/,
      RangeError,
    ],
    [
      "UVW not 3 per row",
      bad((s) => {
        s.rows.uvw = (s.rows.uvw as number[]).slice(2);
      }),
      /rows\.uvw has 538 values; it needs 3 per row/,
      RangeError,
    ],
    [
      "NaN time",
      bad((s) => {
        (s.rows.time as number[])[3] = NaN;
      }),
      /rows\.time\[3\] must be finite \(it is NaN\)/,
      RangeError,
    ],
    [
      "a fractional antenna",
      bad((s) => {
        (s.rows.antenna1 as number[])[0] = 1.5;
      }),
      /rows\.antenna1\[0\] must be an integer \(it is 1\.5\)/,
      RangeError,
    ],
    [
      "field out of range",
      bad((s) => {
        (s.rows.fieldId as number[])[9] = 3;
      }),
      /rows\.fieldId\[9\] is 3, but there are 3 fields/,
      RangeError,
    ],
    [
      "chanWidth against chanFreq",
      bad((s) => {
        s.spectralWindows[1].chanWidth = [1, 2, 3];
      }),
      /spectralWindows\[1\]\.chanWidth has 3 values, chanFreq 16/,
      RangeError,
    ],
    [
      "an unknown frame",
      bad((s) => {
        s.spectralWindows[0].measFreqRef = "LSR";
      }),
      /spectralWindows\[0\]\.measFreqRef is 'LSR', not a frequency frame/,
      RangeError,
    ],
    [
      "an unknown correlation",
      bad((s) => {
        s.polarizations[0].corrType = ["XX", "ZZ"];
      }),
      /polarizations\[0\]\.corrType\[1\] is 'ZZ', not a correlation/,
      RangeError,
    ],
    [
      "degrees for radians",
      bad((s) => {
        s.fields[0].phaseDir = [83.8221, -5.3911];
      }),
      /fields\[0\]\.phaseDir has a declination of -5\.3911 rad, beyond the poles/,
      RangeError,
    ],
    [
      "a position of two numbers",
      bad((s) => {
        s.antennas[2].position = [1, 2];
      }),
      /antennas\[2\]\.position must have 3 values/,
      RangeError,
    ],
    [
      "a text diameter",
      bad((s) => {
        (s.antennas[0] as unknown as Record<string, unknown>).dishDiameter = "12";
      }),
      /antennas\[0\]\.dishDiameter must be a number/,
      TypeError,
    ],
    [
      "no antennas",
      bad((s) => {
        delete (s as Partial<MeasurementSetSpec>).antennas;
      }),
      /antennas is required/,
      TypeError,
    ],
    [
      "a missing polarization",
      bad((s) => {
        s.dataDescriptions = [{ spectralWindowId: 0, polarizationId: 1 }];
      }),
      /dataDescriptions\[0\]\.polarizationId is 1, but there is 1 polarization/,
      RangeError,
    ],
    ["rows and scans", bad((s) => ({ ...s, scans: SCANS })), /rows and scans are both given/, RangeError],
    [
      "no integrations",
      bad((s) => {
        const { rows: _, ...rest } = s;
        return { ...rest, scans: [SCANS[0], { ...SCANS[1], integrations: 0 }] };
      }),
      /scans\[1\]\.integrations must be at least 1 \(it is 0\)/,
      RangeError,
    ],
    [
      "a scan's field",
      bad((s) => {
        const { rows: _, ...rest } = s;
        return { ...rest, scans: [{ ...SCANS[0], fieldId: 3 }] };
      }),
      /scans\[0\]\.fieldId is 3, but there are 3 fields/,
      RangeError,
    ],
    ["an unknown data column", bad((s) => ({ ...s, dataColumns: ["FLOAT_DATA"] })), /dataColumns\[0\] is 'FLOAT_DATA'/, RangeError],
    ["not a description", null as unknown as MeasurementSetSpec, /the description must be an object/, TypeError],
  ];
  for (const [what, spec, message, kind] of cases) {
    const e = await createMeasurementSet(target, spec).then(
      () => undefined,
      (err: Error) => err,
    );
    assert.instance(e, kind, `${what}: ${e}`);
    assert.match(e!.message, message, what);
    assert.ok(e!.message.startsWith(`${target}: `), `${what}: the message names the path: ${e!.message}`);
    assert.not.ok(existsSync(target), `${what}: nothing written`);
  }
  const empty = await createMeasurementSet("", CONTENT).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.match(empty?.message ?? "", /path must be a non-empty string/);
  assert.equal(stagingLeft(dir), []);
});

test("an unwritable target is an Error and leaves nothing behind", async () => {
  const file = path.join(dir, "a-file");
  writeFileSync(file, "not a folder\n");
  const notDir = await createMeasurementSet(path.join(file, "x.ms"), { ...CONTENT, scans: SCANS }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(notDir?.message ?? "", /x\.ms: cannot write in .*a-file: Not a directory/);
  const missing = await createMeasurementSet(path.join(dir, "no", "such", "x.ms"), { ...CONTENT, scans: SCANS }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(missing?.message ?? "", /cannot write in .*no\/such: No such file or directory/);
  // Not replaced even with overwrite: only a casacore table is.
  const overFile = await createMeasurementSet(file, { ...CONTENT, scans: SCANS }, { overwrite: true }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(overFile?.message ?? "", /a-file: exists and is not a casacore table: not replaced/);
  assert.is(readFileSync(file, "utf8"), "not a folder\n");
  const folder = path.join(dir, "a-folder");
  mkdirSync(folder);
  writeFileSync(path.join(folder, "notes.txt"), "mine\n");
  const overFolder = await createMeasurementSet(folder, { ...CONTENT, scans: SCANS }, { overwrite: true }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(overFolder?.message ?? "", /exists and is not a casacore table/);
  assert.equal(readdirSync(folder), ["notes.txt"]);
  if (process.getuid?.() !== 0) {
    // Permissions only bind a user other than root.
    const locked = path.join(dir, "read-only");
    mkdirSync(locked, { mode: 0o555 });
    const denied = await createMeasurementSet(path.join(locked, "x.ms"), { ...CONTENT, scans: SCANS }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(denied?.message ?? "", /cannot write in .*read-only: Permission denied/);
    assert.equal(readdirSync(locked), []);
  }
  assert.equal(stagingLeft(dir), []);
});

test("an existing MS is kept unless overwrite, and never replaced while this process has it open", async () => {
  const target = path.join(dir, "kept.ms");
  await createMeasurementSet(target, { ...CONTENT, scans: SCANS.slice(0, 2) });
  const nrows = () => {
    using t = CasaTable.open(target);
    return t.nrows;
  };
  assert.is(nrows(), 72);
  const exists = await createMeasurementSet(target, { ...CONTENT, scans: SCANS }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(exists?.message ?? "", /kept\.ms: already exists \(pass overwrite: true to replace it\)/);
  {
    using _open = CasaTable.open(target);
    const busy = await createMeasurementSet(target, { ...CONTENT, scans: SCANS }, { overwrite: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(busy?.message ?? "", /kept\.ms: is open in this process: close it before replacing it/);
  }
  {
    using _field = CasaTable.open(path.join(target, "FIELD"));
    const busy = await createMeasurementSet(target, { ...CONTENT, scans: SCANS }, { overwrite: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(busy?.message ?? "", /its subtable FIELD is open in this process/);
  }
  const link = path.join(dir, "link.ms");
  symlinkSync(target, link);
  const linked = await createMeasurementSet(link, { ...CONTENT, scans: SCANS }, { overwrite: true }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(linked?.message ?? "", /link\.ms: is a symbolic link: not replaced/);
  assert.is(nrows(), 72);
  const done = await createMeasurementSet(target, { ...CONTENT, scans: SCANS }, { overwrite: true });
  assert.equal(done, { path: target, nrows: 180 });
  assert.is(nrows(), 180);
  assert.is(readWithPython(target)[target].tables.MAIN.nrows, 180, "python-casacore reads the replacement");
  assert.equal(stagingLeft(dir), []);
});

test("a write that fails midway (the file-size limit reached) keeps the old MS and leaves no staging folder", async () => {
  const target = path.join(dir, "limited.ms");
  await createMeasurementSet(target, { ...CONTENT, scans: SCANS });
  // 20 antennas, 1024 channels, 100 integrations: a main table of about 7 MB, beyond a 3.5 MB limit.
  // SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process.
  const script = `import { createMeasurementSet } from "casa-bridge";
process.on("SIGXFSZ", () => {});
const spec = {
  antennas: Array.from({ length: 20 }, (_, i) => ({ name: "A" + i, dishDiameter: 12, position: [2225061 + 10 * i, -5440057 - 7 * i, -2481681 + 3 * i] })),
  fields: [{ name: "F", phaseDir: [1.46, -0.09] }],
  spectralWindows: [{ chanFreq: Float64Array.from({ length: 1024 }, (_, k) => 230e9 + k * 1e6), chanWidth: 1e6 }],
  polarizations: [{ corrType: ["XX", "YY"] }],
  scans: [{ fieldId: 0, start: 60370 * 86400, interval: 6, integrations: 100 }],
};
const outcome = await createMeasurementSet(process.env.TARGET, spec, { overwrite: true }).then((r) => ({ ok: r }), (e) => ({ error: e.message }));
console.log(JSON.stringify(outcome));`;
  const run = spawnSync("bash", ["-c", 'ulimit -f 3500 && exec "$NODE" --input-type=module -e "$SCRIPT"'], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE: process.execPath, SCRIPT: script, TARGET: target },
  });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, "", "nothing from casacore on stderr");
  const outcome = JSON.parse(run.stdout);
  assert.ok(outcome.error, `the write failed: ${run.stdout}`);
  assert.match(outcome.error, /^.*limited\.ms: .*write error/);
  assert.equal(stagingLeft(dir), []);
  const old = readWithPython(target)[target].tables;
  assert.is(old.MAIN.nrows, 180, "the old MS is intact");
  assert.equal(old.ANTENNA.columns.NAME.cells, ["DA41", "DA42", "DV07", "PM03"]);
});

test("concurrent writes and reads: one lock per table, no crash, every MS whole", async () => {
  const targets = [0, 1, 2].map((i) => path.join(dir, `concurrent-${i}.ms`));
  const same = path.join(dir, "same.ms");
  const results = await Promise.all([
    ...targets.map((t) => createMeasurementSet(t, { ...CONTENT, scans: SCANS })),
    createMeasurementSet(same, { ...CONTENT, scans: SCANS }, { overwrite: true }),
    createMeasurementSet(same, { ...CONTENT, scans: SCANS.slice(0, 1) }, { overwrite: true }),
    listobs(FIXTURE),
  ]);
  assert.is(results.length, 6);
  for (const t of targets) assert.is((await listobs(t)).nrows, 180);
  assert.ok([180, 36].includes((await listobs(same)).nrows));
  assert.equal(stagingLeft(dir), []);
});

test.run();
