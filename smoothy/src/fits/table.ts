/**
 * Binary and ASCII tables, read as astropy.io.fits reads them: every TFORM (L X B I J K A E D C M
 * and the variable-length P and Q), TSCAL/TZERO with the unsigned conventions, TNULL, TDIM. Values
 * come per column, as typed arrays where the type allows (shape [rows, ...repeat]).
 */
import { FitsError } from "./errors.js";
import type { Header } from "../header/header.js";
import { escapeHtml } from "../common/html.js";
import { KIND, kindOf } from "../common/kinds.js";

export type ColumnValues =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | string[]
  | boolean[]
  | Array<ArrayLike<number | bigint | boolean> | string>;

export interface Column {
  name: string;
  /** TFORM as written, e.g. "1E", "32X", "1PE(12)". */
  format: string;
  unit?: string;
  /** The element type code: L X B I J K A E D C M (for P/Q columns, the type of the elements). */
  type: string;
  /** Elements per row (bits for X, characters for A). */
  repeat: number;
  /** Byte offset of the field within a row. */
  offset: number;
  /** P or Q for variable-length arrays. */
  variable?: "P" | "Q";
  tscal: number;
  tzero: number;
  tnull?: number | bigint | string;
  /** TDIM, in FITS order, when given. */
  dim?: number[];
  /** ASCII tables: the width and the TFORM's decimal count. */
  width?: number;
}

export interface ColumnData {
  column: Column;
  /** The values; numbers flattened row by row with `shape` [rows, ...element shape]. */
  values: ColumnValues;
  shape: number[];
  /** Rows (or elements) equal to TNULL, where TNULL is set and the values stay integers. */
  nulls?: Uint8Array;
}

const WIDTH: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16 };

function parseTform(tform: string, index: number, where: string): Pick<Column, "type" | "repeat" | "variable"> {
  const m = /^\s*(\d*)([LXBIJKAEDCMPQ])(?:([LXBIJKAEDCM])(?:\((\d+)\))?)?/.exec(tform.toUpperCase());
  if (!m) throw new Error(`${where}: TFORM${index} ${JSON.stringify(tform)} is not a binary table format`);
  const repeat = m[1] === "" ? 1 : Number(m[1]);
  if (m[2] === "P" || m[2] === "Q") {
    if (!m[3]) throw new Error(`${where}: TFORM${index} ${JSON.stringify(tform)}: a variable-length array needs an element type`);
    return { type: m[3], repeat, variable: m[2] };
  }
  return { type: m[2], repeat };
}

/** The columns of a table header, with each field's place in the row. */
export function binaryColumns(header: Header, where: string): Column[] {
  const n = header.number("TFIELDS", 0);
  const columns: Column[] = [];
  let offset = 0;
  for (let i = 1; i <= n; i++) {
    const format = String(header.get(`TFORM${i}`) ?? "");
    const parsed = parseTform(format, i, where);
    const tdim = header.get(`TDIM${i}`);
    const tnull = header.get(`TNULL${i}`);
    const column: Column = {
      name: String(header.get(`TTYPE${i}`) ?? `col${i}`).trim(),
      format,
      unit: typeof header.get(`TUNIT${i}`) === "string" ? String(header.get(`TUNIT${i}`)) : undefined,
      ...parsed,
      offset,
      tscal: header.number(`TSCAL${i}`, 1),
      tzero: header.number(`TZERO${i}`, 0),
      tnull: typeof tnull === "number" || typeof tnull === "bigint" ? tnull : undefined,
      dim:
        typeof tdim === "string"
          ? tdim
              .replace(/[()\s]/g, "")
              .split(",")
              .filter(Boolean)
              .map(Number)
          : undefined,
    };
    columns.push(column);
    offset += parsed.variable
      ? (parsed.variable === "P" ? 8 : 16) * (parsed.repeat > 0 ? 1 : 0)
      : parsed.type === "X"
        ? Math.ceil(parsed.repeat / 8)
        : parsed.repeat * WIDTH[parsed.type];
  }
  const naxis1 = header.number("NAXIS1", 0);
  if (offset > naxis1) throw new Error(`${where}: the columns need ${offset} bytes per row but NAXIS1 is ${naxis1}`);
  return columns;
}

const UNSIGNED_ZERO: Record<string, [number | bigint, string]> = { B: [-128, "int8"], I: [32768, "uint16"], J: [2147483648, "uint32"], K: [9223372036854775808n, "uint64"] };

/** Reads `count` elements of `type` starting at `at` (big-endian), physical values out. */
function readElements(view: DataView, at: number, count: number, column: Column): { values: ColumnValues; nulls?: Uint8Array } {
  const { type, tscal, tzero, tnull } = column;
  if (type === "L") return { values: Array.from({ length: count }, (_, i) => view.getUint8(at + i) === 0x54) };
  if (type === "C" || type === "M") {
    const out = type === "C" ? new Float32Array(count * 2) : new Float64Array(count * 2);
    for (let i = 0; i < count * 2; i++) out[i] = type === "C" ? view.getFloat32(at + i * 4) : view.getFloat64(at + i * 8);
    return { values: out };
  }
  const unsigned = UNSIGNED_ZERO[type];
  const isUnsigned = unsigned && tscal === 1 && String(tzero) === String(Number(unsigned[0]));
  const scaled = !isUnsigned && (tscal !== 1 || tzero !== 0);
  const width = WIDTH[type];
  const raw = (i: number): number | bigint => {
    const p = at + i * width;
    switch (type) {
      case "B":
        return view.getUint8(p);
      case "I":
        return view.getInt16(p);
      case "J":
        return view.getInt32(p);
      case "K":
        return view.getBigInt64(p);
      case "E":
        return view.getFloat32(p);
      default:
        return view.getFloat64(p);
    }
  };
  if (scaled) {
    const out = type === "E" || type === "B" || type === "I" ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const v = raw(i);
      // TNULL applies to integer fields only; a float field's nulls are already NaN.
      const isNull = tnull !== undefined && type !== "E" && type !== "D" && BigInt(v) === BigInt(tnull);
      out[i] = isNull ? NaN : Number(v) * tscal + tzero;
    }
    return { values: out };
  }
  let values: ColumnValues;
  if (isUnsigned) {
    values = type === "B" ? new Int8Array(count) : type === "I" ? new Uint16Array(count) : type === "J" ? new Uint32Array(count) : new BigUint64Array(count);
    for (let i = 0; i < count; i++) {
      const v = raw(i);
      (values as unknown as Array<number | bigint>)[i] = type === "K" ? BigInt.asUintN(64, (v as bigint) + 9223372036854775808n) : Number(v) + Number(unsigned[0]);
    }
  } else {
    values =
      type === "B"
        ? new Uint8Array(count)
        : type === "I"
          ? new Int16Array(count)
          : type === "J"
            ? new Int32Array(count)
            : type === "K"
              ? new BigInt64Array(count)
              : type === "E"
                ? new Float32Array(count)
                : new Float64Array(count);
    for (let i = 0; i < count; i++) (values as unknown as Array<number | bigint>)[i] = raw(i);
  }
  let nulls: Uint8Array | undefined;
  if (tnull !== undefined && type !== "E" && type !== "D") {
    nulls = new Uint8Array(count);
    for (let i = 0; i < count; i++) nulls[i] = BigInt(raw(i)) === BigInt(tnull) ? 1 : 0;
  }
  return { values, nulls };
}

function readString(bytes: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at)
    .toString("latin1")
    .replace(/ +$/, "");
}

/** One column of a binary table whose rows are `bytes` (NAXIS1 × NAXIS2) followed by its heap. */
export function readBinaryColumn(bytes: Uint8Array, header: Header, column: Column, where: string): ColumnData {
  const rowBytes = header.number("NAXIS1");
  const rows = header.number("NAXIS2");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elementShape = column.dim ? column.dim.slice() : [column.repeat];
  if (column.variable) {
    const heapStart = header.number("THEAP", rowBytes * rows);
    const values: Array<ArrayLike<number | bigint | boolean> | string> = [];
    for (let r = 0; r < rows; r++) {
      const p = r * rowBytes + column.offset;
      const count = column.variable === "P" ? view.getInt32(p) : Number(view.getBigInt64(p));
      const offset = column.variable === "P" ? view.getInt32(p + 4) : Number(view.getBigInt64(p + 8));
      const at = heapStart + offset;
      const size = column.type === "X" ? Math.ceil(count / 8) : count * WIDTH[column.type];
      if (count < 0 || offset < 0 || at + size > bytes.byteLength) {
        throw new Error(`${where}: row ${r} of column ${column.name}: its array (${count} elements at heap offset ${offset}) lies outside the heap`);
      }
      if (column.type === "A") values.push(readString(bytes, at, count));
      else values.push(readElements(view, at, count, column).values as ArrayLike<number | bigint | boolean>);
    }
    return { column, values, shape: [rows] };
  }
  if (column.type === "A") {
    const width = column.dim && column.dim.length > 1 ? column.dim[0] : column.repeat;
    const perRow = column.repeat / width;
    const values: string[] = [];
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < perRow; k++) values.push(readString(bytes, r * rowBytes + column.offset + k * width, width));
    }
    return { column, values, shape: perRow === 1 ? [rows] : [rows, perRow] };
  }
  if (column.type === "X") {
    const values: boolean[] = [];
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < column.repeat; b++) values.push((bytes[r * rowBytes + column.offset + (b >> 3)] & (0x80 >> (b & 7))) !== 0);
    }
    return { column, values, shape: [rows, column.repeat] };
  }
  // Gather the field of every row, then convert in one pass.
  const width = WIDTH[column.type] * column.repeat;
  const packed = new Uint8Array(width * rows);
  for (let r = 0; r < rows; r++) packed.set(bytes.subarray(r * rowBytes + column.offset, r * rowBytes + column.offset + width), r * width);
  const complexPair = column.type === "C" || column.type === "M" ? [2] : [];
  const { values, nulls } = readElements(new DataView(packed.buffer), 0, rows * column.repeat, column);
  const shape = column.repeat === 1 && !column.dim ? [rows, ...complexPair] : [rows, ...elementShape, ...complexPair];
  return { column, values, shape, nulls };
}

/** ASCII table columns (TFORM Aw, Iw, Fw.d, Ew.d, Dw.d at TBCOL). */
export function asciiColumns(header: Header, where: string): Column[] {
  const n = header.number("TFIELDS", 0);
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const format = String(header.get(`TFORM${i}`) ?? "");
    const m = /^\s*([AIFED])(\d+)(?:\.(\d+))?/.exec(format.toUpperCase());
    if (!m) throw new Error(`${where}: TFORM${i} ${JSON.stringify(format)} is not an ASCII table format`);
    const tnull = header.get(`TNULL${i}`);
    return {
      name: String(header.get(`TTYPE${i}`) ?? `col${i}`).trim(),
      format,
      unit: typeof header.get(`TUNIT${i}`) === "string" ? String(header.get(`TUNIT${i}`)) : undefined,
      type: m[1],
      repeat: 1,
      width: Number(m[2]),
      offset: header.number(`TBCOL${i}`) - 1,
      tscal: header.number(`TSCAL${i}`, 1),
      tzero: header.number(`TZERO${i}`, 0),
      tnull: typeof tnull === "string" ? tnull : tnull === undefined || tnull === null ? undefined : String(tnull),
    };
  });
}

export function readAsciiColumn(bytes: Uint8Array, header: Header, column: Column, where: string): ColumnData {
  const rowBytes = header.number("NAXIS1");
  const rows = header.number("NAXIS2");
  const texts = Array.from({ length: rows }, (_, r) => Buffer.from(bytes.buffer, bytes.byteOffset + r * rowBytes + column.offset, column.width!).toString("latin1"));
  // astropy keeps the padding of ASCII-table strings (unlike binary-table ones): so do we.
  if (column.type === "A") return { column, values: texts, shape: [rows] };
  const out = column.type === "I" && column.tscal === 1 && column.tzero === 0 ? new Int32Array(rows) : new Float64Array(rows);
  const nulls = column.tnull !== undefined ? new Uint8Array(rows) : undefined;
  texts.forEach((t, r) => {
    const s = t.trim();
    if ((column.tnull !== undefined && s === String(column.tnull).trim()) || s === "") {
      if (nulls) nulls[r] = 1;
      out[r] = out instanceof Float64Array ? NaN : 0;
      return;
    }
    const special = /^([+-]?)(NAN|INF|INFINITY)$/i.exec(s); // as astropy writes non-finite floats
    const v = special ? (special[2].toUpperCase() === "NAN" ? NaN : special[1] === "-" ? -Infinity : Infinity) : Number(s.replace(/[Dd]/, "E"));
    if (Number.isNaN(v) && !special) throw new Error(`${where}: row ${r} of column ${column.name}: ${JSON.stringify(s)} is not a number`);
    out[r] = v * column.tscal + column.tzero;
  });
  return { column, values: out, shape: [rows], nulls };
}

export class Table {
  private readonly cache = new Map<Column, ColumnData>();

  constructor(
    readonly columns: readonly Column[],
    readonly rows: number,
    private readonly read: (column: Column) => ColumnData,
  ) {}

  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** A column by name (case-insensitive, as astropy) or index. */
  column(key: string | number): ColumnData {
    const column = typeof key === "number" ? this.columns[key] : this.columns.find((c) => c.name.toLowerCase() === key.toLowerCase());
    if (!column) throw new RangeError(`no column ${JSON.stringify(key)} (the table has: ${this.names.join(", ")})`);
    let data = this.cache.get(column);
    if (!data) {
      data = this.read(column);
      this.cache.set(column, data);
    }
    return data;
  }

  /** One row as an object: scalars for one-element fields, arrays otherwise. */
  row(index: number): Record<string, unknown> {
    if (!(index >= 0 && index < this.rows)) throw new RangeError(`row ${index} is outside the table's ${this.rows} rows`);
    const out: Record<string, unknown> = {};
    for (const c of this.columns) {
      const { values, shape } = this.column(c.name);
      const per = shape.slice(1).reduce((a, b) => a * b, 1);
      const slice = (values as ArrayLike<unknown> & { slice(a: number, b: number): unknown }).slice(index * per, (index + 1) * per);
      out[c.name] = per === 1 && shape.length === 1 ? (values as ArrayLike<unknown>)[index] : slice;
    }
    return out;
  }

  get [KIND](): "Table" {
    return "Table";
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return this.toMimeBundle();
  }

  /** The first rows as an HTML table, and a one-line summary. */
  toMimeBundle(): { "text/plain": string; "text/html": string } {
    const shown = Math.min(this.rows, 20);
    const cell = (v: unknown) =>
      escapeHtml(
        Array.isArray(v) || ArrayBuffer.isView(v)
          ? `[${Array.from(v as ArrayLike<unknown>)
              .slice(0, 6)
              .join(", ")}${(v as ArrayLike<unknown>).length > 6 ? ", …" : ""}]`
          : String(v),
      );
    const head = this.columns.map((c) => `<th>${escapeHtml(c.name)}${c.unit ? `<br><small>${escapeHtml(c.unit)}</small>` : ""}</th>`).join("");
    const body = Array.from(
      { length: shown },
      (_, r) =>
        `<tr>${Object.values(this.row(r))
          .map((v) => `<td>${cell(v)}</td>`)
          .join("")}</tr>`,
    ).join("");
    return {
      "text/plain": `Table: ${this.rows} rows × ${this.columns.length} columns (${this.names.join(", ")})`,
      "text/html": `<div><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${this.rows > shown ? `<small>${this.rows - shown} more rows</small>` : ""}</div>`,
    };
  }
}

export function tableError(path: string, hdu: number, offset: number, e: unknown): FitsError {
  return new FitsError("EBADDATA", path, hdu, offset, (e as Error).message);
}

export function isTable(x: unknown): x is Table {
  return kindOf(x) === "Table";
}
