// Every reference case of ../shared/cupid/reference: CUPID's own masks and catalogues. FellWalker,
// ClumpFind and Reinhold must match pixel for pixel and to 1e-6 relative; GaussClumps (from an older
// CUPID) within the tolerances the reference README states.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { load, open, type Image } from "smoothy";
import { findClumps, type ClumpMethod } from "cupid-bindings";
import { SHARED, sharedAvailable } from "../helpers/shared.ts";

const test = suite("cupid reference");
const REFERENCE = path.join(SHARED, "cupid", "reference");

interface Result {
  method: ClumpMethod;
  input: string;
  rms_supplied: number;
  config_supplied: Record<string, string>;
  config_resolved: Record<string, string>;
  deconv: number;
  backoff: number;
  mask_file: string;
  n_clumps_final: number;
}

function csv(file: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(file, "utf8").trim().split(/\r?\n/);
  const names = head.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, i) => [names[i], v])));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "cupid-ref-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** The reference mask's values (a plain or gzipped FITS file). */
async function referenceMask(dir: string, name: string): Promise<ArrayLike<number>> {
  let file = path.join(dir, name);
  if (name.endsWith(".gz")) {
    file = path.join(tmp, `${path.basename(dir)}.fits`);
    writeFileSync(file, gunzipSync(readFileSync(path.join(dir, name))));
  }
  const list = await open(file);
  const { data } = await list.get(0).data();
  await list.close();
  return data as ArrayLike<number>;
}

const cases = sharedAvailable("CUPID reference cases")
  ? readdirSync(REFERENCE)
      .filter((c) => !c.endsWith(".md"))
      .flatMap((c) =>
        readdirSync(path.join(REFERENCE, c))
          .filter((r) => /^(fw|cf|rh|gc)_/.test(r))
          .map((r) => path.join(REFERENCE, c, r)),
      )
  : [];

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b) + 1e-12;

for (const dir of cases) {
  const result = JSON.parse(readFileSync(path.join(dir, "result.json"), "utf8")) as Result;
  const name = `${path.basename(path.dirname(dir))}/${path.basename(dir)}`;
  test(`${name}: ${result.method} ${JSON.stringify(result.config_supplied)} as CUPID gives it`, async () => {
    const image = (await load(path.resolve(path.dirname(dir), result.input))) as Image;
    const ours = await findClumps(image, {
      method: result.method,
      config: result.config_supplied,
      rms: result.rms_supplied,
      deconv: result.deconv === 1,
      backoff: result.backoff === 1,
    });
    const reference = csv(path.join(dir, "catalogue.csv"));
    if (result.method === "gaussclumps") {
      assert.ok(Math.abs(ours.catalogue.rows - reference.length) <= 1, `${ours.catalogue.rows} clumps fitted, CUPID ${reference.length}`);
      const col = (n: string) => ours.catalogue.column(n) as Float64Array;
      for (const ref of reference) {
        const match = [...Array(ours.catalogue.rows).keys()].find(
          (i) =>
            Math.hypot(col("ext_CENTRE1")[i] - Number(ref.ext_CENTRE1), col("ext_CENTRE2")[i] - Number(ref.ext_CENTRE2)) <= 1 &&
            close(col("ext_PEAK")[i], Number(ref.ext_PEAK), 0.05) &&
            close(col("GCFWHM1")[i], Number(ref.GCFWHM1), 0.1) &&
            close(col("GCFWHM2")[i], Number(ref.GCFWHM2), 0.1),
        );
        assert.ok(
          match !== undefined,
          `CUPID's clump ${ref.cell} at (${ref.ext_CENTRE1}, ${ref.ext_CENTRE2}), peak ${ref.ext_PEAK}, FWHM ${ref.GCFWHM1} × ${ref.GCFWHM2}: no fit of ours within 1 px, 5 % and 10 %`,
        );
      }
      return;
    }
    const mask = await referenceMask(dir, result.mask_file);
    const labels = ours.mask!.data;
    let differ = 0;
    for (let i = 0; i < mask.length; i++) if (labels[i] !== mask[i]) differ++;
    assert.is(differ, 0, `${differ} of ${mask.length} mask pixels differ`);
    assert.is(ours.nClumps, result.n_clumps_final);
    assert.is(ours.catalogue.rows, reference.length, "one row per clump the algorithm returned");
    assert.equal(ours.catalogue.columnNames, Object.keys(reference[0]), "CUPID's columns in the reference order");
    reference.forEach((ref, r) => {
      for (const [column, text] of Object.entries(ref)) {
        const value = ours.catalogue.column(column)[r];
        if (column === "reject_reason") assert.is(value, text, `row ${r} ${column}`);
        else if (text === "") assert.ok(Number.isNaN(value), `row ${r} ${column}: ${value}, CUPID none`);
        else assert.ok(close(value as number, Number(text), 1e-6), `row ${r} ${column}: ${value}, CUPID ${text}`);
      }
    });
    for (const [key, value] of Object.entries(result.config_resolved)) {
      const mine = ours.config[key];
      assert.ok(mine !== undefined && (mine === value || close(Number(mine), Number(value), 1e-9)), `resolved ${key}: ${mine}, CUPID ${value}`);
    }
    // The CSV reads back to the same numbers, in CUPID's columns.
    const lines = ours.catalogue.toCSV().trim().split("\n");
    assert.is(lines[0], Object.keys(reference[0]).join(","));
    assert.is(lines.length, reference.length + 1);
  });
}

test.run();
