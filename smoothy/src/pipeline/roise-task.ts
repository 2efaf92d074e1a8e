/** The task `jovial roise` distributes: RoISE's regions of one FITS cube, as plain rows (NaN as null). */
import { load } from "../data/load.js";
import { isCube } from "../data/products.js";
import { findRegions } from "../regions/index.js";
import { REGION_COLUMNS } from "../regions/table.js";

export type RegionRow = Record<string, number | null>;

export default async function roise(file: string): Promise<RegionRow[]> {
  const product = await load(file);
  if (!isCube(product)) throw new Error(`${file}: RoISE needs a spectral cube, this is a ${product.kind} (${product.shape.join(" × ")})`);
  const { regions } = findRegions(product);
  return regions.map((r) => Object.fromEntries(REGION_COLUMNS.map(([name]) => [name, Number.isFinite(r[name]) ? r[name] : null])));
}
