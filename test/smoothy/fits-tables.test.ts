// smoothy's binary and ASCII tables against astropy: every TFORM, scaling, nulls, bits, VLAs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FitsError, open, type ColumnData } from "smoothy";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";
import { FITS_DIR, sharedAvailable } from "../helpers/shared.ts";

const test = suite("fits tables");

/** Our column as astropy lists it: one entry per row (nested per element shape). */
function asRows(data: ColumnData): unknown[] {
  const { values, shape } = data;
  const rows = shape[0];
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const norm = (v: unknown): unknown => {
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (typeof v === "number" && !Number.isFinite(v)) return String(v).replace("Infinity", "inf").replace("NaN", "nan");
    if (ArrayBuffer.isView(v) || Array.isArray(v)) return Array.from(v as ArrayLike<unknown>, norm);
    return v;
  };
  const nest = (flat: unknown[], dims: number[]): unknown =>
    dims.length <= 1 ? flat : Array.from({ length: dims[0] }, (_, i) => nest(flat.slice((i * flat.length) / dims[0], ((i + 1) * flat.length) / dims[0]), dims.slice(1)));
  return Array.from({ length: rows }, (_, r) => {
    if (shape.length === 1) return norm((values as ArrayLike<unknown>)[r]);
    const flat = Array.from(values as ArrayLike<unknown>, norm).slice(r * per, (r + 1) * per) as unknown[];
    const dims = shape.slice(1).reverse(); // numpy lists axes slowest first
    return nest(flat, dims);
  });
}

test("every TFORM of a binary table, and an ASCII table, as astropy writes and reads them", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-tables-"));
  try {
    const file = path.join(dir, "tables.fits");
    const r = spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "astropy_tables.py"), file], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout) as Record<string, Record<string, unknown[]>>;
    const list = await open(file);
    try {
      for (const [extname, columns] of Object.entries(expected)) {
        const table = await list.get(extname).table();
        assert.equal(table.names, Object.keys(columns), `${extname} column names`);
        for (const [name, astropyRows] of Object.entries(columns)) {
          const data = table.column(name);
          const ours = asRows(data);
          if (name === "cplx" || name === "dcplx") {
            assert.equal(ours, astropyRows, `${extname}.${name}`);
          } else if (name === "int") {
            assert.equal(ours, astropyRows, `${extname}.${name}`);
            assert.equal([...data.nulls!], [0, 1, 0, 0], "TNULL marks the null row");
          } else {
            assert.equal(ours, astropyRows, `${extname}.${name}`);
          }
        }
        assert.is(table.rows, 4);
      }
      const everything = await list.get("EVERYTHING").table();
      assert.is(everything.column("float").column.unit, "Jy");
      assert.is(everything.column("UShort").values.constructor, Uint16Array, "unsigned convention, case-insensitive names");
      assert.equal(everything.row(2).text, "");
      assert.equal(Array.from(everything.row(3).vla as Float32Array), [5, 6]);
      assert.throws(() => everything.column("nope"), /no column "nope" \(the table has: flag, bits/);
    } finally {
      await list.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Ref {
  file: string;
  hdus?: Array<{ kind: string; rows?: number; columns?: Array<{ name: string; format: string; unit: string | null; first: unknown }> }>;
}
const references: Ref[] = sharedAvailable("table references")
  ? readdirSync(path.join(FITS_DIR, "reference")).map((f) => JSON.parse(readFileSync(path.join(FITS_DIR, "reference", f), "utf8")))
  : [];

for (const ref of references) {
  (ref.hdus ?? []).forEach((hdu, index) => {
    if (!hdu.columns) return;
    test(`${ref.file} HDU ${index}: ${hdu.rows} rows, each column's first value as astropy reads it`, async () => {
      const list = await open(path.join(FITS_DIR, ref.file));
      try {
        const table = await list.get(index).table();
        assert.is(table.rows, hdu.rows);
        for (const c of hdu.columns!) {
          const data = table.column(c.name);
          assert.is(data.column.format.trim(), c.format, `${c.name} format`);
          const first = asRows(data)[0];
          if (Array.isArray(c.first)) {
            assert.equal((first as unknown[]).slice(0, c.first.length), c.first, c.name);
          } else if (typeof c.first === "number") {
            assert.ok(Math.abs(Number(first) - c.first) <= 1e-12 * Math.max(1, Math.abs(c.first)), `${c.name}: ${first} vs ${c.first}`);
          } else {
            assert.equal(first, c.first, c.name);
          }
        }
      } finally {
        await list.close();
      }
    });
  });
}

test("a table whose VLA descriptor points outside the heap is a FitsError naming row and column", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-tables-"));
  try {
    const file = path.join(dir, "tables.fits");
    assert.is(spawnSync(PYTHON, [path.join(ROOT, "test", "clients", "astropy_tables.py"), file]).status, 0);
    const list = await open(file);
    const hdu = list.get("EVERYTHING");
    const table = await hdu.table();
    const offset = table.columns.find((c) => c.name === "vla")!.offset;
    const bytes = readFileSync(file);
    bytes.writeInt32BE(1_000_000, hdu.dataOffset + offset + 4); // row 0's heap offset
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, bytes);
    await list.close();
    const broken = await open(file);
    const t = await broken.get("EVERYTHING").table();
    assert.throws(
      () => t.column("vla"),
      (e: unknown) =>
        e instanceof FitsError &&
        /tables\.fits: HDU 1 at byte \d+: .*row 0 of column vla: its array \(1 elements at heap offset 1000000\) lies outside the heap/.test((e as Error).message),
    );
    assert.is(t.column("flag").values.length, 4, "other columns still read");
    const image = await broken
      .get(0)
      .table()
      .catch((e) => e);
    assert.match(image.message, /PrimaryHDU "PRIMARY" is not a table/);
    await broken.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
