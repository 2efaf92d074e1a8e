/**
 * The browser libraries views need, from the npm packages that ship them: the kernel copies them
 * into its kernelspec folder, standalone pages carry them inside.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export const BROWSER_ASSETS: Array<{ pkg: string; file: string; as: string }> = [
  { pkg: "plotly.js-dist-min", file: "plotly.min.js", as: "plotly.min.js" },
  { pkg: "three", file: "build/three.module.js", as: "three.module.js" },
  { pkg: "three", file: "build/three.core.js", as: "three.core.js" },
];

/** A package's folder (some packages' `exports` hide their package.json, so walk up from the entry). */
function packageDir(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name) return dir;
  }
  throw new Error(`cannot find the folder of the package ${name} (needed for smoothy's views); run npm ci`);
}

/** The path of an asset by the name views load it as (plotly.min.js, three.module.js, three.core.js). */
export function browserAssetPath(as: string): string {
  const asset = BROWSER_ASSETS.find((a) => a.as === as);
  if (!asset) throw new RangeError(`no browser asset ${JSON.stringify(as)}`);
  return path.join(packageDir(asset.pkg), asset.file);
}
