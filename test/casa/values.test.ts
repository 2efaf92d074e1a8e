// casacore's int64 values through casa-bridge: beyond 2^53 a Number would round, so an int64 is a
// bigint wherever it appears (keyword, sub-record field, column keyword, image misc info, scalar
// cell, array cell, column, CALC result), small ones included; written back with putCell, python-
// casacore (test/casa/int64_tables.py) reads the same values.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CasaImage, CasaTable, taql } from "casa-bridge";
import { PYTHON } from "../helpers/kernel-client.ts";

const test = suite("casa-bridge int64");
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "casa-int64-"));
const BIG = 2n ** 53n + 1n;
const NEG = -(2n ** 62n) + 3n;

const python = (mode: "make" | "read") => {
  const r = spawnSync(PYTHON, [path.join(here, "int64_tables.py"), mode, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`int64_tables.py ${mode}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
let files: { table: string; image: string };

test.before(() => {
  files = python("make");
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("keywords: a table's, a sub-record's, a column's, an image's misc info", () => {
  using table = CasaTable.open(files.table);
  const keywords = table.keywords();
  assert.is(keywords.big, BIG);
  assert.is(keywords.small, 7n, "an int64 is a bigint however small");
  assert.equal(keywords.rec, { neg: NEG, values: [BIG, NEG], name: "int64s" });
  assert.equal(table.describeColumn("I64").keywords, { offset: NEG });
  using image = CasaImage.open(files.image);
  assert.equal(image.miscInfo(), { big: BIG });
});

test("cells and columns: scalar cells are bigints, array cells and columns BigInt64Arrays", async () => {
  using table = CasaTable.open(files.table);
  assert.is(table.describeColumn("I64").valueType, "int64");
  assert.is(table.getCell("I64", 0), BIG);
  assert.is(table.getCell("I64", 1), NEG);
  assert.is(table.getCell("I64", 2), 5n);
  const cell = table.getCell("A64", 0) as { values: BigInt64Array; shape: number[] };
  assert.instance(cell.values, BigInt64Array);
  assert.equal(Array.from(cell.values), [BIG, NEG, 1n]);
  assert.equal(cell.shape, [3]);
  const column = await table.getColumn("I64");
  assert.instance(column.values, BigInt64Array);
  assert.equal(Array.from(column.values as BigInt64Array), [BIG, NEG, 5n]);
  const arrays = await table.getColumn("A64");
  assert.equal(arrays.shape, [3, 3]);
  assert.equal(Array.from(arrays.values as BigInt64Array), [BIG, NEG, 1n, 2n, 3n, 4n, -BIG, 0n, 2n ** 62n]);
});

test("putCell writes bigints exactly: python-casacore and casa-bridge read them back", () => {
  {
    using table = CasaTable.open(files.table, { writable: true });
    table.putCell("I64", 2, NEG - 2n);
    table.putCell("A64", 1, { values: BigInt64Array.of(BIG + 2n, -BIG, NEG), shape: [3] });
    assert.throws(() => table.putCell("I64", 0, 2n ** 64n), /does not fit 64 bits/);
  }
  const theirs = python("read");
  assert.equal(theirs.I64, [BIG, NEG, NEG - 2n].map(String));
  assert.equal(theirs.A64[1], [BIG + 2n, -BIG, NEG].map(String));
  using table = CasaTable.open(files.table);
  assert.is(table.getCell("I64", 2), NEG - 2n);
  assert.equal(Array.from((table.getCell("A64", 1) as { values: BigInt64Array }).values), [BIG + 2n, -BIG, NEG]);
});

test("TaQL's integers are int64: a CALC result is an exact bigint", async () => {
  const calc = (await taql(`CALC ${BIG}`)) as { values: unknown[] };
  assert.equal(calc.values, [BIG]);
  const sum = (await taql(`CALC sum([${NEG}, 1, 2])`)) as { values: unknown[] };
  assert.equal(sum.values, [NEG + 3n]);
});

test.run();
