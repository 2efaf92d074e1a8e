/**
 * `jovial findclumps IN.fits --method M [--config "K=V,..."] [--rms X] --out MASK.fits --outcat CAT.csv|CAT.fits`,
 * as CUPID's FINDCLUMPS users know it: the mask is int32 with 0 for background (GaussClumps: the sum
 * of the fitted models), the catalogue CUPID's columns in CUPID's order.
 */
import { writeFile } from "node:fs/promises";
import { load, type Cube, type Image, type Spectrum } from "smoothy";
import { findClumps, METHODS, type ClumpMethod } from "./find-clumps.js";

const USAGE = `usage: jovial findclumps IN.fits --method ${METHODS.join("|")} [--config "Name=Value,..."] [--rms X]
                        [--hdu N] [--nodeconv] [--wcs] --out MASK.fits --outcat CAT.csv|CAT.fits

  --config   CUPID's parameters by CUPID's names, e.g. "FellWalker.MinDip=3*RMS,FellWalker.MaxJump=6"
  --rms      the noise (default: CUPID's own estimate)
  --nodeconv sizes and peaks not corrected for the beam (FINDCLUMPS' DECONV=false)
  --wcs      add world coordinates of the centroids and peaks to the CSV`;

class UsageError extends Error {}

export async function main(_command: string, args: string[]): Promise<number> {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (!a.startsWith("--")) {
        positional.push(a);
        continue;
      }
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (["nodeconv", "wcs", "help"].includes(name)) flags.set(name, true);
      else if (["method", "config", "rms", "hdu", "out", "outcat"].includes(name)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, value);
      } else throw new UsageError(`unknown option ${a}`);
    }
    if (flags.has("help")) {
      console.log(USAGE);
      return 0;
    }
    if (positional.length !== 1) throw new UsageError("give one input FITS file");
    for (const required of ["method", "out", "outcat"]) if (!flags.has(required)) throw new UsageError(`--${required} is required`);
    const method = String(flags.get("method")).toLowerCase();
    if (!METHODS.includes(method as ClumpMethod)) throw new UsageError(`--method ${flags.get("method")}: use one of ${METHODS.join(", ")}`);
    const rmsText = flags.get("rms");
    const rms = rmsText === undefined ? undefined : Number(rmsText);
    if (rms !== undefined && !(rms > 0)) throw new UsageError(`--rms ${rmsText}: a positive number`);
    const outcat = String(flags.get("outcat"));
    if (!/\.(csv|fits?)$/i.test(outcat)) throw new UsageError(`--outcat ${outcat}: name a .csv or a .fits file`);
    const hdu = flags.get("hdu");
    const product = (await load(positional[0], typeof hdu === "string" ? { hdu: /^\d+$/.test(hdu) ? Number(hdu) : hdu } : {})) as Image | Cube | Spectrum;
    const result = await findClumps(product, { method: method as ClumpMethod, config: flags.get("config") as string | undefined, rms, deconv: !flags.has("nodeconv") });
    await result.writeMask(String(flags.get("out")));
    if (/\.csv$/i.test(outcat)) await writeFile(outcat, result.catalogue.toCSV({ world: flags.has("wcs") }));
    else await result.catalogue.writeFits(outcat);
    console.log(`${result}\nmask: ${flags.get("out")}\ncatalogue: ${outcat} (${result.catalogue.rows} rows)`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
