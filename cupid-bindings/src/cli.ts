/**
 * `jovial findclumps IN.fits --method M [--config "K=V,..."] [--rms X] --out MASK.fits --outcat CAT.csv|CAT.fits`,
 * as CUPID's FINDCLUMPS users know it: the mask is int32 with 0 for background (GaussClumps: the sum
 * of the fitted models), the catalogue CUPID's columns in CUPID's order.
 */
import { writeFile } from "node:fs/promises";
import { load, type Cube, type Image, type Spectrum } from "smoothy";
import { parseCommand, runCommand, UsageError } from "@jovial/kernel/command";
import { findClumps } from "./find-clumps.js";
import { METHODS, type ClumpMethod } from "./methods.js";

const USAGE = `usage: jovial findclumps IN.fits --method ${METHODS.join("|")} [--config "Name=Value,..."] [--rms X]
                        [--hdu N] [--nodeconv] [--wcs] --out MASK.fits --outcat CAT.csv|CAT.fits

  --config   CUPID's parameters by CUPID's names, e.g. "FellWalker.MinDip=3*RMS,FellWalker.MaxJump=6"
  --rms      the noise (default: CUPID's own estimate)
  --nodeconv sizes and peaks not corrected for the beam (FINDCLUMPS' DECONV=false)
  --wcs      add world coordinates of the centroids and peaks to the CSV`;

const OPTIONS = {
  method: { type: "string" },
  config: { type: "string" },
  rms: { type: "string" },
  hdu: { type: "string" },
  out: { type: "string" },
  outcat: { type: "string" },
  nodeconv: { type: "boolean" },
  wcs: { type: "boolean" },
} as const;

export function main(_command: string, args: string[]): Promise<number> {
  return runCommand(USAGE, args, async () => {
    const { values, positionals } = parseCommand(args, OPTIONS);
    if (positionals.length !== 1) throw new UsageError("give one input FITS file");
    for (const required of ["method", "out", "outcat"] as const) if (values[required] === undefined) throw new UsageError(`--${required} is required`);
    const method = String(values.method).toLowerCase();
    if (!METHODS.includes(method as ClumpMethod)) throw new UsageError(`--method ${values.method}: use one of ${METHODS.join(", ")}`);
    const rms = values.rms === undefined ? undefined : Number(values.rms);
    if (rms !== undefined && !(rms > 0)) throw new UsageError(`--rms ${values.rms}: a positive number`);
    const outcat = String(values.outcat);
    if (!/\.(csv|fits?)$/i.test(outcat)) throw new UsageError(`--outcat ${outcat}: name a .csv or a .fits file`);
    const hdu = values.hdu;
    const product = (await load(positionals[0], hdu !== undefined ? { hdu: /^\d+$/.test(hdu) ? Number(hdu) : hdu } : {})) as Image | Cube | Spectrum;
    const result = await findClumps(product, { method: method as ClumpMethod, config: values.config, rms, deconv: !values.nodeconv });
    await result.writeMask(String(values.out));
    if (/\.csv$/i.test(outcat)) await writeFile(outcat, result.catalogue.toCSV({ world: values.wcs ?? false }));
    else await result.catalogue.writeFits(outcat);
    console.log(`${result}\nmask: ${values.out}\ncatalogue: ${outcat} (${result.catalogue.rows} rows)`);
    return 0;
  });
}
