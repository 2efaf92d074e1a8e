/**
 * The regions of `findRegions` as a catalogue: one typed column per field (ready for `writeTable` or
 * a data frame) and CSV text, one row per region, with a header line.
 */
import { toCsv } from "../common/csv.js";
import type { Region } from "./roise.js";

/** The catalogue's columns, in order: the Region fields, with their units. */
export const REGION_COLUMNS = [
  ["range", ""],
  ["start", "channel"],
  ["stop", "channel"],
  ["minFrequencyHz", "Hz"],
  ["maxFrequencyHz", "Hz"],
  ["scale", ""],
  ["scaleRadius", "pixel"],
  ["label", ""],
  ["x", "pixel"],
  ["y", "pixel"],
  ["ra", "deg"],
  ["dec", "deg"],
  ["semiMajor", "pixel"],
  ["semiMinor", "pixel"],
  ["orientation", "deg"],
  ["area", "pixel2"],
  ["eccentricity", ""],
  ["solidity", ""],
  ["filledFraction", ""],
  ["minIntensity", ""],
  ["maxIntensity", ""],
  ["meanIntensity", ""],
] as const satisfies ReadonlyArray<readonly [keyof Region, string]>;

export type RegionColumn = (typeof REGION_COLUMNS)[number][0];

const INTEGER = new Set<RegionColumn>(["range", "start", "stop", "scale", "label", "area"]);

export interface RegionsTable {
  /** Column names in order. */
  names: RegionColumn[];
  /** Units per column ("" when none; intensities are in the cube's unit summed over channels). */
  units: Record<RegionColumn, string>;
  /** Int32Array for counts and indices, Float64Array otherwise. */
  columns: Record<RegionColumn, Int32Array | Float64Array>;
  length: number;
  /** CSV with a header line; NaN as an empty field; full double precision. */
  toCSV(options?: { header?: boolean }): string;
}

export function regionsTable(regions: readonly Region[]): RegionsTable {
  const names = REGION_COLUMNS.map(([name]) => name);
  const units = Object.fromEntries(REGION_COLUMNS) as Record<RegionColumn, string>;
  const columns = {} as Record<RegionColumn, Int32Array | Float64Array>;
  for (const name of names) {
    const column = INTEGER.has(name) ? new Int32Array(regions.length) : new Float64Array(regions.length);
    regions.forEach((r, i) => (column[i] = r[name]));
    columns[name] = column;
  }
  return {
    names,
    units,
    columns,
    length: regions.length,
    toCSV({ header = true } = {}) {
      return toCsv(
        header ? names : undefined,
        Array.from(regions, (_, i) => names.map((n) => columns[n][i])),
      );
    },
  };
}
