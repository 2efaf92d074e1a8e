/**
 * `jovial fits info|header|wcs|stats FILE` and `jovial view FILE -o OUT.html`: a look at a FITS file
 * from the shell, as text or as JSON for scripts. Pixel coordinates are 0-based (astropy's origin=0).
 */
import { open } from "./fits/open.js";
import type { HDU } from "./fits/hdu.js";
import type { HDUList } from "./fits/hdulist.js";
import { visualize } from "./visualize/visualize.js";
import { toJson } from "./common/json.js";
import { parseCommand, runCommand, UsageError } from "@jovial/kernel/command";

const USAGE = `usage:
  jovial fits info FILE [--json]
  jovial fits header FILE [--hdu N] [--json]
  jovial fits wcs FILE --pixel X,Y[,Z...] [--hdu N] [--json]
  jovial fits stats FILE [--hdu N] [--json]
  jovial view FILE -o OUT.html [--hdu N]`;

/** The HDU asked for, or the first with data (as astropy's getdata picks it). */
function pick(list: HDUList, flag: string | undefined): HDU {
  if (typeof flag === "string") return list.get(/^-?\d+$/.test(flag) ? Number(flag) : flag);
  return list.hdus.find((h) => (h.isImage && h.shape.length > 0) || h.rows > 0) ?? list.get(0);
}

async function info(list: HDUList, json: boolean): Promise<string> {
  if (!json) return list.info();
  return JSON.stringify(
    {
      file: list.path,
      hdus: list.hdus.map((h) => ({
        index: h.index,
        name: h.name,
        ver: h.ver,
        kind: h.kind,
        cards: h.header.cards.length,
        shape: h.isImage ? h.shape : undefined,
        dtype: h.dtype,
        rows: h.isImage ? undefined : h.rows,
      })),
      warnings: list.warnings,
    },
    null,
    2,
  );
}

function header(hdu: HDU, json: boolean): string {
  if (!json) return hdu.header.cards.map((c) => c.image).join("\n");
  return toJson(hdu.header.cards.map((c) => ({ keyword: c.keyword, value: c.value, comment: c.comment, ...(c.unparsable ? { unparsable: c.unparsable } : {}) })));
}

function wcs(hdu: HDU, pixelText: string | undefined, json: boolean): string {
  if (typeof pixelText !== "string") throw new UsageError("fits wcs needs --pixel X,Y[,Z...] (0-based pixel coordinates)");
  const pixel = pixelText.split(",").map((p) => Number(p.trim()));
  if (pixel.some((p) => !Number.isFinite(p))) throw new UsageError(`--pixel ${pixelText}: expected numbers separated by commas`);
  const w = hdu.wcs();
  if (pixel.length !== w.pixelNDim) throw new UsageError(`--pixel ${pixelText}: HDU ${hdu.index} has ${w.pixelNDim} pixel axes`);
  for (const warning of w.warnings) console.error(`jovial fits wcs: warning: ${warning}`);
  const world = w.pixelToWorldValues(...pixel.map((p) => [p])).map((a) => a[0]);
  const axes = w.ctype.map((ctype, k) => ({ ctype: ctype.trim(), unit: w.worldAxisUnits[k], physicalType: w.worldAxisPhysicalTypes[k], value: world[k] }));
  if (json) return JSON.stringify({ pixel, world: axes, ...(w.warnings.length ? { warnings: w.warnings } : {}) }, null, 2);
  return axes.map((a) => `${a.ctype.padEnd(10)} ${String(a.value).padStart(24)} ${a.unit}`).join("\n");
}

async function stats(hdu: HDU, json: boolean): Promise<string> {
  if (!hdu.isImage || hdu.shape.length === 0) throw new UsageError(`HDU ${hdu.index} (${hdu.kind}) has no image data; pick one with --hdu`);
  const { data } = await hdu.data();
  // count is every value, as astropy's size; the statistics are of the values that are not NaN.
  const count = data.length;
  let nan = 0,
    sum = 0,
    min = Infinity,
    max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const result = { hdu: hdu.index, shape: hdu.shape, dtype: hdu.dtype, count, nan, min: count > nan ? min : null, max: count > nan ? max : null, sum };
  if (json) return JSON.stringify(result, null, 2);
  return Object.entries(result)
    .map(([k, v]) => `${k.padEnd(6)} ${Array.isArray(v) ? v.join(" × ") : v}`)
    .join("\n");
}

const OPTIONS = { hdu: { type: "string" }, pixel: { type: "string" }, out: { type: "string", short: "o" }, json: { type: "boolean" } } as const;

export function main(command: string, args: string[]): Promise<number> {
  const sub = command === "fits" ? args[0] : "view";
  const rest = command === "fits" ? args.slice(1) : args;
  return runCommand(USAGE, args, async () => {
    const { values, positionals } = parseCommand(rest, OPTIONS);
    const [file] = positionals;
    if (!["info", "header", "wcs", "stats", "view"].includes(sub ?? "")) throw new UsageError(sub ? `unknown fits command ${sub}` : "which fits command?");
    if (!file || positionals.length > 1) throw new UsageError(file ? `one FILE, not ${positionals.length}` : "which FILE?");
    const json = values.json ?? false;
    const list = await open(file);
    try {
      let output: string;
      switch (sub) {
        case "info":
          output = await info(list, json);
          break;
        case "header":
          output = header(pick(list, values.hdu), json);
          break;
        case "wcs":
          output = wcs(pick(list, values.hdu), values.pixel, json);
          break;
        case "stats":
          output = await stats(pick(list, values.hdu), json);
          break;
        default: {
          const out = values.out;
          if (out === undefined) throw new UsageError("view needs -o OUT.html");
          const view = await visualize(values.hdu !== undefined ? pick(list, values.hdu) : list, { out });
          output = `${view.description}\nwrote ${out}`;
        }
      }
      console.log(output);
      return 0;
    } finally {
      await list.close();
    }
  });
}
