/**
 * casacore tables: open read-only or read-write, column names, types, shapes and keywords, a column
 * or a range of rows into typed arrays (off the event loop), single cells, and TaQL.
 */
import { casa, type CalcResult, type CasaRecord, type CasaScalar, type CellData, type ColumnData, type ColumnDescription, type TableHandle } from "./native.js";
import { escapeHtml } from "smoothy";

export class CasaTable {
  private constructor(private readonly handle: TableHandle) {}

  static open(path: string, options: { writable?: boolean } = {}): CasaTable {
    return new CasaTable(casa().openTable(path, options));
  }

  /** @internal */
  static wrap(handle: TableHandle): CasaTable {
    return new CasaTable(handle);
  }

  get path(): string {
    return this.handle.path;
  }
  get writable(): boolean {
    return this.handle.writable;
  }
  get nrows(): number {
    return this.handle.nrows();
  }
  columnNames(): string[] {
    return this.handle.columnNames();
  }
  describeColumn(name: string): ColumnDescription {
    return this.handle.describeColumn(name);
  }
  /** The table's keywords (int64 values as bigints). */
  keywords(): CasaRecord {
    return this.handle.keywords();
  }

  /**
   * A column, or `nrow` rows from `start` every `incr` (as python-casacore's getcol counts them), into a
   * typed array (strings: an array).
   */
  getColumn(name: string, options: { start?: number; nrow?: number; incr?: number } = {}): Promise<ColumnData> {
    const incr = options.incr ?? 1;
    const span = options.nrow === undefined || options.nrow < 0 ? -1 : options.nrow === 0 ? 0 : (options.nrow - 1) * incr + 1;
    return this.handle.getColumn(name, options.start ?? 0, span, incr);
  }
  /** One cell (int64 as a bigint; an array cell as CellData, null when undefined). */
  getCell(name: string, row: number): CasaScalar | CellData | CasaRecord | null {
    return this.handle.getCell(name, row);
  }
  putCell(name: string, row: number, value: unknown): void {
    this.handle.putCell(name, row, value);
  }
  close(): void {
    this.handle.close();
  }
  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const names = this.columnNames();
    const rows = names.map((n) => {
      const d = this.describeColumn(n);
      return `<tr><td>${escapeHtml(n)}</td><td>${d.valueType}</td><td>${d.isScalar ? "scalar" : d.shape ? `[${d.shape.join(", ")}]` : `${d.ndim}-D, varying`}</td></tr>`;
    });
    return {
      "text/plain": `${this.path}: ${this.nrows} rows, columns ${names.join(", ")}`,
      "text/html": `<p>${escapeHtml(this.path)}: ${this.nrows} rows</p><table><tr><th>column</th><th>type</th><th>cells</th></tr>${rows.join("")}</table>`,
    };
  }
}

/** Runs a TaQL command: a table for SELECT and the like, the values for CALC (TaQL's integers as bigints). */
export async function taql(command: string): Promise<CasaTable | CalcResult> {
  const result = await casa().taql(command);
  return "values" in result && !("nrows" in result) ? (result as CalcResult) : CasaTable.wrap(result as TableHandle);
}
