/**
 * Writing tables, as astropy's `BinTableHDU.from_columns(...).writeto()` (or `TableHDU` with
 * `{ format: "ascii" }`): one column per typed array (unsigned types with their TZERO convention),
 * string array (A) or boolean array (L); several values per row with `{ values, repeat }`; one typed
 * array per row for a variable-length column (P, or Q when the heap outgrows 2 GiB). Written after
 * an empty primary HDU, atomically.
 */
import { formatCard, type Card } from "../header/card.js";
import { BLOCK } from "./open.js";
import { cardsOf, writeAtomically, type HeaderInput } from "./write.js";

type NumericArray = Float64Array | Float32Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Uint32Array | BigUint64Array;

export type ColumnInput =
  | NumericArray[]
  | Float64Array
  | Float32Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[]
  | boolean[]
  | {
      values: Float64Array | Float32Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Uint32Array | BigUint64Array | boolean[];
      repeat: number;
      unit?: string;
    }
  | { values: string[] | boolean[] | ArrayLike<number | bigint>; unit: string; repeat?: number };

interface Field {
  name: string;
  code: string;
  repeat: number;
  width: number;
  tzero?: number | bigint;
  unit?: string;
  /** Variable-length columns: their TFORM, and the bytes of each row's array for the heap. */
  tform?: string;
  heap?: Buffer[];
  /** Where this column's arrays start in the heap, set once every column is known. */
  heapBase?: number;
  write(out: Buffer, at: number, row: number): void;
}

const TYPED: Array<[Function, string, number, (number | bigint)?]> = [
  [Float64Array, "D", 8],
  [Float32Array, "E", 4],
  [Int16Array, "I", 2],
  [Int32Array, "J", 4],
  [BigInt64Array, "K", 8],
  [Uint8Array, "B", 1],
  [Int8Array, "B", 1, -128],
  [Uint16Array, "I", 2, 32768],
  [Uint32Array, "J", 4, 2147483648],
  [BigUint64Array, "K", 8, 9223372036854775808n],
];

function field(name: string, input: ColumnInput, rows: number | undefined): Field {
  if (Array.isArray(input) && input.length > 0 && ArrayBuffer.isView(input[0])) {
    if (rows !== undefined && input.length !== rows) throw new RangeError(`column ${name} has ${input.length} rows, the table ${rows}`);
    return variableField(name, input as NumericArray[], undefined);
  }
  const spec = ArrayBuffer.isView(input) || Array.isArray(input) ? { values: input, repeat: 1, unit: undefined } : input;
  const values = spec.values as ArrayLike<unknown>;
  const repeat = spec.repeat ?? 1;
  const count = Math.floor(values.length / repeat);
  if (values.length % repeat !== 0) throw new RangeError(`column ${name}: ${values.length} values are not whole rows of ${repeat}`);
  if (rows !== undefined && count !== rows) throw new RangeError(`column ${name} has ${count} rows, the table ${rows}`);
  if (Array.isArray(values) && typeof values[0] === "string") {
    const strings = values as string[];
    const width = widest(strings, (v) => Buffer.byteLength(v, "latin1"));
    return { name, code: "A", repeat: width, width, unit: spec.unit, write: (out, at, row) => out.write(strings[row].padEnd(width), at, width, "latin1") };
  }
  if (Array.isArray(values) && (values.length === 0 || typeof values[0] === "boolean")) {
    const flags = values as boolean[];
    return {
      name,
      code: "L",
      repeat,
      width: repeat,
      unit: spec.unit,
      write: (out, at, row) => {
        for (let k = 0; k < repeat; k++) out[at + k] = flags[row * repeat + k] ? 0x54 : 0x46;
      },
    };
  }
  const kind = TYPED.find(([Type]) => values instanceof Type);
  if (!kind) throw new TypeError(`column ${name}: use a typed array, a string[], a boolean[] or an array of typed arrays`);
  const [, code, size, tzero] = kind;
  const typed = values as ArrayLike<number | bigint>;
  return {
    name,
    code,
    repeat,
    width: size * repeat,
    tzero,
    unit: spec.unit,
    write: (out, at, row) => {
      for (let k = 0; k < repeat; k++) put(out, at + k * size, code, tzero, typed[row * repeat + k]);
    },
  };
}

/** The largest `size` over `items` (a loop: spreading a million rows into Math.max overflows the stack). */
function widest<T>(items: ArrayLike<T>, size: (item: T) => number, least = 1): number {
  let w = least;
  for (let i = 0; i < items.length; i++) w = Math.max(w, size(items[i]));
  return w;
}

/** Big-endian bytes of one stored value (the unsigned conventions store value − TZERO). */
function put(out: Buffer, at: number, code: string, tzero: number | bigint | undefined, v: number | bigint): void {
  switch (code) {
    case "D":
      out.writeDoubleBE(Number(v), at);
      break;
    case "E":
      out.writeFloatBE(Number(v), at);
      break;
    case "B":
      out.writeUInt8(tzero === undefined ? Number(v) : Number(v) + 128, at);
      break;
    case "I":
      out.writeInt16BE(tzero === undefined ? Number(v) : Number(v) - 32768, at);
      break;
    case "J":
      out.writeInt32BE(tzero === undefined ? Number(v) : Number(v) - 2147483648, at);
      break;
    default:
      out.writeBigInt64BE(tzero === undefined ? BigInt(v) : BigInt.asIntN(64, BigInt(v) - 9223372036854775808n), at);
  }
}

/** A variable-length column: one typed array per row, all of one type, stored in the heap. */
function variableField(name: string, arrays: NumericArray[], unit: string | undefined): Field {
  const kind = TYPED.find(([Type]) => arrays.every((a) => a instanceof Type));
  if (!kind) throw new TypeError(`column ${name}: a variable-length column needs typed arrays of one type in every row`);
  const [, code, size, tzero] = kind;
  const heap = arrays.map((a) => {
    const bytes = Buffer.allocUnsafe(a.length * size);
    for (let k = 0; k < a.length; k++) put(bytes, k * size, code, tzero, a[k]);
    return bytes;
  });
  const total = heap.reduce((n, b) => n + b.length, 0);
  const wide = total >= 2 ** 31;
  const maxLength = widest(arrays, (a) => a.length, 0);
  const offsets: number[] = [];
  heap.reduce((at, b) => (offsets.push(at), at + b.length), 0);
  const f: Field = {
    name,
    code,
    repeat: 1,
    width: wide ? 16 : 8,
    tzero,
    unit,
    heap,
    tform: `1${wide ? "Q" : "P"}${code}(${maxLength})`,
    write: (out, at, row) => {
      const offset = (f.heapBase ?? 0) + offsets[row];
      if (wide) {
        out.writeBigInt64BE(BigInt(arrays[row].length), at);
        out.writeBigInt64BE(BigInt(offset), at + 8);
      } else {
        out.writeInt32BE(arrays[row].length, at);
        out.writeInt32BE(offset, at + 4);
      }
    },
  };
  return f;
}

/** One column of an ASCII table: its TFORM and each row's text, right-aligned in `width`. */
interface AsciiField {
  name: string;
  tform: string;
  width: number;
  unit?: string;
  text(row: number): string;
}

/** Fortran-style exponent (E+05, not e+5) with `digits` after the point: enough to round-trip. */
function exponential(v: number, digits: number, letter: "E" | "D"): string {
  if (Number.isNaN(v)) return "NAN"; // as astropy writes it; astropy and smoothy read it back as NaN
  if (!Number.isFinite(v)) throw new RangeError(`an ASCII table cannot hold ${v}`);
  const [mantissa, exponent] = v.toExponential(digits).split("e");
  const e = Number(exponent);
  return `${mantissa}${letter}${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

function asciiField(name: string, input: ColumnInput): AsciiField {
  const spec = ArrayBuffer.isView(input) || Array.isArray(input) ? { values: input, repeat: 1, unit: undefined } : input;
  if ((spec.repeat ?? 1) !== 1) throw new TypeError(`column ${name}: an ASCII table holds one value per field (repeat ${spec.repeat})`);
  const values = spec.values as ArrayLike<unknown>;
  if (Array.isArray(values) && typeof values[0] === "string") {
    const strings = values as string[];
    const width = widest(strings, (v) => Buffer.byteLength(v, "latin1"));
    return { name, tform: `A${width}`, width, unit: spec.unit, text: (row) => strings[row].padEnd(width) };
  }
  if (values instanceof Float64Array || values instanceof Float32Array) {
    // 17 and 9 significant digits round-trip float64 and float32 exactly.
    const [letter, digits, width] = values instanceof Float64Array ? (["D", 16, 25] as const) : (["E", 8, 16] as const);
    return { name, tform: `${letter}${width}.${digits}`, width, unit: spec.unit, text: (row) => exponential(values[row], digits, letter).padStart(width) };
  }
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const numbers = values as unknown as ArrayLike<number | bigint>;
    const width = widest(Array.from(numbers), (v) => String(v).length);
    return { name, tform: `I${width}`, width, unit: spec.unit, text: (row) => String(numbers[row]).padStart(width) };
  }
  throw new TypeError(`column ${name}: an ASCII table holds strings, floats and integers only (FITS has no logical or array fields there)`);
}

function asciiTable(columns: Record<string, ColumnInput>, rows: number): { cards: Array<Pick<Card, "keyword" | "value" | "comment">>; data: Buffer } {
  const fields = Object.entries(columns).map(([name, input]) => asciiField(name, input));
  // One blank between fields, as astropy writes them, so the text stays readable.
  const starts: number[] = [];
  fields.reduce((at, f) => (starts.push(at), at + f.width + 1), 0);
  const rowBytes = fields.reduce((n, f) => n + f.width, 0) + Math.max(0, fields.length - 1);
  const cards: Array<Pick<Card, "keyword" | "value" | "comment">> = [
    { keyword: "XTENSION", value: "TABLE", comment: "ASCII table extension" },
    { keyword: "BITPIX", value: 8, comment: "" },
    { keyword: "NAXIS", value: 2, comment: "" },
    { keyword: "NAXIS1", value: rowBytes, comment: "characters per row" },
    { keyword: "NAXIS2", value: rows, comment: "rows" },
    { keyword: "PCOUNT", value: 0, comment: "" },
    { keyword: "GCOUNT", value: 1, comment: "" },
    { keyword: "TFIELDS", value: fields.length, comment: "" },
  ];
  fields.forEach((f, i) => {
    const n = i + 1;
    cards.push(
      { keyword: `TTYPE${n}`, value: f.name, comment: "" },
      { keyword: `TFORM${n}`, value: f.tform, comment: "" },
      { keyword: `TBCOL${n}`, value: starts[i] + 1, comment: "" },
    );
    if (f.unit) cards.push({ keyword: `TUNIT${n}`, value: f.unit, comment: "" });
  });
  const data = Buffer.alloc(Math.ceil((rowBytes * rows) / BLOCK) * BLOCK, 0x20);
  for (let r = 0; r < rows; r++) {
    fields.forEach((f, i) => data.write(f.text(r), r * rowBytes + starts[i], f.width, "latin1"));
  }
  return { cards, data };
}

function binaryTable(columns: Record<string, ColumnInput>): { cards: Array<Pick<Card, "keyword" | "value" | "comment">>; data: Buffer } {
  const fields: Field[] = [];
  let rows: number | undefined;
  for (const [name, input] of Object.entries(columns)) {
    const f = field(name, input, rows);
    rows ??= rowCount(input);
    fields.push(f);
  }
  const nrows = rows ?? 0;
  const rowBytes = fields.reduce((a, f) => a + f.width, 0);
  let heapBytes = 0;
  for (const f of fields) {
    f.heapBase = heapBytes;
    heapBytes += (f.heap ?? []).reduce((m, b) => m + b.length, 0);
    if (f.tform?.startsWith("1P") && heapBytes >= 2 ** 31) {
      throw new RangeError(`column ${f.name}: its arrays start beyond the 2 GiB a P descriptor can address; write the large column first or in a table of its own`);
    }
  }
  const cards: Array<Pick<Card, "keyword" | "value" | "comment">> = [
    { keyword: "XTENSION", value: "BINTABLE", comment: "binary table extension" },
    { keyword: "BITPIX", value: 8, comment: "" },
    { keyword: "NAXIS", value: 2, comment: "" },
    { keyword: "NAXIS1", value: rowBytes, comment: "bytes per row" },
    { keyword: "NAXIS2", value: nrows, comment: "rows" },
    { keyword: "PCOUNT", value: heapBytes, comment: "bytes in the heap" },
    { keyword: "GCOUNT", value: 1, comment: "" },
    { keyword: "TFIELDS", value: fields.length, comment: "" },
  ];
  fields.forEach((f, i) => {
    const n = i + 1;
    cards.push({ keyword: `TTYPE${n}`, value: f.name, comment: "" }, { keyword: `TFORM${n}`, value: f.tform ?? `${f.repeat}${f.code}`, comment: "" });
    if (f.unit) cards.push({ keyword: `TUNIT${n}`, value: f.unit, comment: "" });
    if (f.tzero !== undefined) cards.push({ keyword: `TZERO${n}`, value: f.tzero, comment: "" }, { keyword: `TSCAL${n}`, value: 1, comment: "" });
  });
  const data = Buffer.alloc(Math.ceil((rowBytes * nrows + heapBytes) / BLOCK) * BLOCK);
  for (let r = 0; r < nrows; r++) {
    let at = r * rowBytes;
    for (const f of fields) {
      f.write(data, at, r);
      at += f.width;
    }
  }
  // The heap follows the rows directly (THEAP's default); each column's arrays in row order.
  let at = rowBytes * nrows;
  for (const f of fields) for (const bytes of f.heap ?? []) at += bytes.copy(data, at);
  return { cards, data };
}

function rowCount(input: ColumnInput): number {
  if (Array.isArray(input)) return input.length;
  const spec = ArrayBuffer.isView(input) ? { values: input, repeat: 1 } : input;
  return Math.floor((spec.values as ArrayLike<unknown>).length / (spec.repeat ?? 1));
}

export interface WriteTableOptions {
  extname?: string;
  header?: HeaderInput;
  overwrite?: boolean;
  /** "binary" (BINTABLE, the default) or "ascii" (TABLE: strings, floats and integers only). */
  format?: "binary" | "ascii";
}

export async function writeTable(file: string, columns: Record<string, ColumnInput>, options: WriteTableOptions = {}): Promise<void> {
  let table: ReturnType<typeof binaryTable>;
  if (options.format === "ascii") {
    const counts = Object.entries(columns).map(([name, input]) => [name, rowCount(input)] as const);
    const mismatch = counts.find(([, n]) => n !== counts[0][1]);
    if (mismatch) throw new RangeError(`column ${mismatch[0]} has ${mismatch[1]} rows, the table ${counts[0][1]}`);
    table = asciiTable(columns, counts[0]?.[1] ?? 0);
  } else {
    table = binaryTable(columns);
  }
  const { cards, data } = table;
  if (options.extname) cards.push({ keyword: "EXTNAME", value: options.extname, comment: "" });
  cards.push(
    ...cardsOf(options.header).filter((c) => !/^(XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|TFIELDS|T(TYPE|FORM|UNIT|ZERO|SCAL|BCOL|NULL)\d+|THEAP|EXTNAME|END)$/.test(c.keyword)),
  );
  const block = (text: string) => Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK) * BLOCK), "latin1");
  const primary = block(
    ["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0", "EXTEND  =                    T", "END"]
      .map((c) => c.padEnd(80))
      .join(""),
  );
  const header = block(cards.map((c) => formatCard(c)).join("") + "END".padEnd(80));
  await writeAtomically(file, [primary, header, data], options.overwrite ?? false);
}
