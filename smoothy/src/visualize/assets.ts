/**
 * The browser libraries smoothy's views load (plotly.js, three.js), as smoothy's package.json
 * declares them in `jovial.assets`: the kernel serves them from its kernelspec folder, standalone
 * pages carry them inside.
 */
import { packageAssets, type Asset } from "@jovial/kernel/assets";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** smoothy's own folder: dist/visualize/assets.js is two levels below it. */
const SMOOTHY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

let assets: Asset[] | undefined;

/** The path of an asset by the name views load it as (plotly.min.js, three.module.js, three.core.js). */
export function browserAssetPath(as: string): string {
  assets ??= packageAssets(SMOOTHY_ROOT);
  const asset = assets.find((a) => a.as === as);
  if (!asset) throw new RangeError(`no browser asset ${JSON.stringify(as)} (smoothy declares ${assets.map((a) => a.as).join(", ")})`);
  return asset.path;
}
