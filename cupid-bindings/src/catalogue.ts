/**
 * A clump catalogue: CUPID's columns in CUPID's order (index, cell, accepted, reject_reason, Peak1..n,
 * Cen1..n, Size1..n, Sum, Peak, Volume, the undeconvolved sizes and peak, GaussClumps' extra columns),
 * positions in CUPID's PIXEL coordinates (0-based index + 0.5), plus the world coordinates of each
 * centroid and peak when the data have a WCS. One row per clump the algorithm returned, rejected ones
 * included (index empty, accepted 0, with the reason), as the reference catalogues list them.
 */
import { escapeHtml, toCsv, writeTable, type ColumnInput } from "smoothy";

export type CatalogueColumn = Float64Array | string[];

export class ClumpCatalogue {
  constructor(
    /** CUPID's columns, in order. */
    readonly columnNames: readonly string[],
    readonly columns: Readonly<Record<string, CatalogueColumn>>,
    /** World coordinates of the centroids and peaks (`RA_cen`, `DEC_cen`, `VRAD_peak`, ...), with units. */
    readonly world: Readonly<Record<string, Float64Array>> = {},
    readonly worldUnits: Readonly<Record<string, string>> = {},
  ) {}

  get rows(): number {
    return this.columns[this.columnNames[0]]?.length ?? 0;
  }

  /** A column of CUPID's or a world column. */
  column(name: string): CatalogueColumn {
    const c = this.columns[name] ?? this.world[name];
    if (!c) throw new RangeError(`no column ${JSON.stringify(name)}: the catalogue has ${[...this.columnNames, ...Object.keys(this.world)].join(", ")}`);
    return c;
  }

  /** The accepted clumps only, in mask order. */
  accepted(): number[] {
    const accepted = this.columns.accepted as Float64Array;
    return [...accepted.keys()].filter((i) => accepted[i] === 1);
  }

  /** CSV as the reference catalogues write it; `world` appends the world columns. */
  toCSV(options: { world?: boolean } = {}): string {
    const names = [...this.columnNames, ...(options.world ? Object.keys(this.world) : [])];
    const cell = (name: string, row: number): string | number => {
      const v = this.column(name)[row];
      if (typeof v === "string" || Number.isNaN(v) || name === "index" || name === "cell" || name === "accepted") return v;
      // As Python's repr: 166.0, not 166, so the file reads like CUPID's.
      return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v);
    };
    return toCsv(
      names,
      Array.from({ length: this.rows }, (_, r) => names.map((n) => cell(n, r))),
    );
  }

  /** A FITS binary table (EXTNAME CATALOGUE) with the same columns, the world ones included. */
  async writeFits(file: string, options: { overwrite?: boolean } = {}): Promise<void> {
    const columns: Record<string, ColumnInput> = {};
    for (const name of this.columnNames) {
      const c = this.columns[name];
      columns[name] = Array.isArray(c) ? c.map((s) => s || " ") : c;
    }
    for (const [name, values] of Object.entries(this.world)) columns[name] = { values, unit: this.worldUnits[name] ?? "" };
    await writeTable(file, columns, { extname: "CATALOGUE", overwrite: options.overwrite ?? true, header: { ORIGIN: "JOVIAL cupid-bindings" } });
  }

  /** An HTML table of the first `max` rows. */
  html(max = 50): string {
    const names = [...this.columnNames.filter((n) => !/_nodeconv$|^ext_/.test(n)), ...Object.keys(this.world)];
    const format = (v: number | string) => (typeof v === "string" ? v : Number.isNaN(v) ? "" : Number.isInteger(v) ? String(v) : v.toPrecision(5));
    const head = names.map((n) => `<th>${escapeHtml(n)}</th>`).join("");
    const body = Array.from({ length: Math.min(max, this.rows) }, (_, r) => `<tr>${names.map((n) => `<td>${escapeHtml(format(this.column(n)[r]))}</td>`).join("")}</tr>`).join("");
    const more = this.rows > max ? `<p>${this.rows - max} more rows</p>` : "";
    return `<div style="max-height:360px;overflow:auto"><table style="font-size:11px"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${more}`;
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": `ClumpCatalogue: ${this.rows} clumps, ${this.accepted().length} accepted`, "text/html": this.html() };
  }
}
