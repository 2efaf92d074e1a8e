/**
 * `jovial casa info PATH [--json]`, `taql "QUERY" [--json]`, `tofits IMAGE OUT.fits`,
 * `fromfits IN.fits IMAGE`, `listobs MS [--json]`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseCommand, runCommand, UsageError } from "@jovial/kernel/command";
import { toJson } from "smoothy";
import { CasaImage } from "./image.js";
import { formatListobs, listobs } from "./listobs.js";
import { casa } from "./native.js";
import { CasaTable, taql } from "./table.js";

const USAGE = `usage:
  jovial casa info PATH [--json]           an image's shape, coordinates, unit, beam; a table's columns
  jovial casa taql "QUERY" [--json]        run TaQL; print the resulting rows (or CALC values)
  jovial casa tofits IMAGE OUT.fits [--overwrite]
  jovial casa fromfits IN.fits IMAGE [--overwrite]
  jovial casa listobs MS [--json]          a MeasurementSet summary, as CASA's listobs`;

const json = (v: unknown) => toJson(v);

/** A CASA image is a folder with table.info saying so; anything else casacore opens as a table. */
function isImage(p: string): boolean {
  if (/\.(fits?|fits\.gz)$/i.test(p)) return true;
  const info = path.join(p, "table.info");
  return existsSync(info) && /Type = Image/i.test(readFileSync(info, "utf8"));
}

async function info(target: string, asJson: boolean): Promise<string> {
  if (isImage(target)) {
    const image = CasaImage.open(target);
    try {
      const summary = {
        path: image.path,
        imageType: image.imageType,
        shape: image.shape,
        dataType: image.dataType,
        unit: image.unit,
        beams: image.beams(),
        masks: image.maskNames(),
        coordinates: image.coordinates(),
        miscInfo: image.miscInfo(),
      };
      if (asJson) return json(summary);
      const beam = summary.beams.single;
      return [
        `${summary.imageType} ${summary.path}`,
        `shape ${summary.shape.join(" × ")} (${summary.dataType}), unit ${summary.unit || "none"}`,
        beam
          ? `beam ${(beam.bmaj * 3600).toFixed(3)}" × ${(beam.bmin * 3600).toFixed(3)}" at ${beam.bpa.toFixed(1)}°`
          : summary.beams.perPlane
            ? `${summary.beams.perPlane.length} per-plane beams`
            : "no beam",
        ...summary.coordinates.coordinates.map(
          (c) =>
            `${c.type}${c.frame ? ` (${c.frame}${c.projection ? `, ${c.projection}` : ""})` : ""}: ${c.names.map((n, j) => `${n} [pixel axis ${c.pixelAxes[j]}] ref ${c.referenceValue[j]} ${c.units[j]} at pixel ${c.referencePixel[j]}, step ${c.increment[j]}`).join("; ")}${c.restFrequency ? `, rest ${c.restFrequency} Hz` : ""}${c.stokes ? ` ${c.stokes.join(",")}` : ""}`,
        ),
        summary.masks.length ? `masks ${summary.masks.join(", ")}` : "no masks",
      ].join("\n");
    } finally {
      image.close();
    }
  }
  const table = CasaTable.open(target);
  try {
    const columns = table.columnNames().map((n) => table.describeColumn(n));
    if (asJson) return json({ path: table.path, nrows: table.nrows, columns, keywords: table.keywords() });
    return [
      `${table.path}: ${table.nrows} rows`,
      ...columns.map((c) => `  ${c.name.padEnd(20)} ${c.valueType.padEnd(8)} ${c.isScalar ? "scalar" : c.shape ? `[${c.shape.join(", ")}]` : `${c.ndim}-D varying`}`),
    ].join("\n");
  } finally {
    table.close();
  }
}

async function runTaql(query: string, asJson: boolean): Promise<string> {
  const result = await taql(query);
  if (!(result instanceof CasaTable)) return asJson ? json(result) : result.values.map(String).join("\n");
  try {
    const names = result.columnNames();
    const columns = await Promise.all(names.map((n) => result.getColumn(n)));
    const rows = Array.from({ length: result.nrows }, (_, r) =>
      Object.fromEntries(
        names.map((n, c) => {
          const { values, shape } = columns[c];
          const per = shape.slice(1).reduce((a, b) => a * b, 1);
          const cell = per === 1 ? (values as ArrayLike<unknown>)[r] : Array.from(values as ArrayLike<unknown>).slice(r * per, (r + 1) * per);
          return [n, cell];
        }),
      ),
    );
    if (asJson) return json({ nrows: result.nrows, columns: names, rows });
    return [names.join("\t"), ...rows.map((row) => names.map((n) => json(row[n]).replace(/\s+/g, "")).join("\t"))].join("\n");
  } finally {
    result.close();
  }
}

const OPTIONS = { json: { type: "boolean" }, overwrite: { type: "boolean" } } as const;

export function main(_command: string, args: string[]): Promise<number> {
  return runCommand(USAGE, args, async () => {
    const [sub, ...rest] = args;
    const { values, positionals: positional } = parseCommand(rest, OPTIONS);
    const asJson = values.json ?? false;
    const overwrite = values.overwrite ?? false;
    const need = (n: number) => {
      if (positional.length !== n) throw new UsageError(`casa ${sub} takes ${n} argument${n > 1 ? "s" : ""}`);
    };
    switch (sub) {
      case "info":
        need(1);
        console.log(await info(positional[0], asJson));
        return 0;
      case "taql":
        need(1);
        console.log(await runTaql(positional[0], asJson));
        return 0;
      case "listobs": {
        need(1);
        const summary = await listobs(positional[0]);
        console.log(asJson ? json(summary) : formatListobs(summary));
        return 0;
      }
      case "tofits":
        need(2);
        await casa().imageToFits(positional[0], positional[1], { overwrite });
        console.log(`wrote ${positional[1]}`);
        return 0;
      case "fromfits":
        need(2);
        await casa().imageFromFits(positional[0], positional[1], { overwrite });
        console.log(`wrote ${positional[1]}`);
        return 0;
      default:
        throw new UsageError(sub ? `unknown casa command ${sub}` : "which casa command?");
    }
  });
}
