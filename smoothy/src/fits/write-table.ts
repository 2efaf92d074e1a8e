/**
 * Writing binary tables, as astropy's `BinTableHDU.from_columns(...).writeto()`: one column per
 * typed array (unsigned types with their TZERO convention), string array (A) or boolean array (L);
 * several values per row with `{ values, repeat }`. Written after an empty primary HDU, atomically.
 */
import { formatCard, type Card } from "./card.js";
import { BLOCK } from "./open.js";
import { cardsOf, writeAtomically, type HeaderInput } from "./write.js";

export type ColumnInput =
  | Float64Array | Float32Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Uint32Array | BigUint64Array
  | string[]
  | boolean[]
  | { values: Float64Array | Float32Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Uint32Array | BigUint64Array | boolean[]; repeat: number; unit?: string }
  | { values: string[] | boolean[] | ArrayLike<number | bigint>; unit: string; repeat?: number };

interface Field {
  name: string;
  code: string;
  repeat: number;
  width: number;
  tzero?: number | bigint;
  unit?: string;
  write(out: Buffer, at: number, row: number): void;
}

const TYPED: Array<[Function, string, number, (number | bigint)?]> = [
  [Float64Array, "D", 8], [Float32Array, "E", 4], [Int16Array, "I", 2], [Int32Array, "J", 4], [BigInt64Array, "K", 8],
  [Uint8Array, "B", 1], [Int8Array, "B", 1, -128], [Uint16Array, "I", 2, 32768], [Uint32Array, "J", 4, 2147483648], [BigUint64Array, "K", 8, 9223372036854775808n],
];

function field(name: string, input: ColumnInput, rows: number | undefined): Field {
  const spec = ArrayBuffer.isView(input) || Array.isArray(input) ? { values: input, repeat: 1, unit: undefined } : input;
  const values = spec.values as ArrayLike<unknown>;
  const repeat = spec.repeat ?? 1;
  const count = Math.floor(values.length / repeat);
  if (values.length % repeat !== 0) throw new RangeError(`column ${name}: ${values.length} values are not whole rows of ${repeat}`);
  if (rows !== undefined && count !== rows) throw new RangeError(`column ${name} has ${count} rows, the table ${rows}`);
  if (Array.isArray(values) && typeof values[0] === "string") {
    const strings = values as string[];
    const width = Math.max(1, ...strings.map((v) => Buffer.byteLength(v, "latin1")));
    return { name, code: "A", repeat: width, width, unit: spec.unit, write: (out, at, row) => out.write(strings[row].padEnd(width), at, width, "latin1") };
  }
  if (Array.isArray(values) && (values.length === 0 || typeof values[0] === "boolean")) {
    const flags = values as boolean[];
    return { name, code: "L", repeat, width: repeat, unit: spec.unit, write: (out, at, row) => { for (let k = 0; k < repeat; k++) out[at + k] = flags[row * repeat + k] ? 0x54 : 0x46; } };
  }
  const kind = TYPED.find(([Type]) => values instanceof Type);
  if (!kind) throw new TypeError(`column ${name}: use a typed array, a string[] or a boolean[]`);
  const [, code, size, tzero] = kind;
  const typed = values as ArrayLike<number | bigint>;
  const put = (out: Buffer, at: number, v: number | bigint) => {
    switch (code) {
      case "D": out.writeDoubleBE(Number(v), at); break;
      case "E": out.writeFloatBE(Number(v), at); break;
      case "B": out.writeUInt8(tzero === undefined ? Number(v) : Number(v) + 128, at); break;
      case "I": out.writeInt16BE(tzero === undefined ? Number(v) : Number(v) - 32768, at); break;
      case "J": out.writeInt32BE(tzero === undefined ? Number(v) : Number(v) - 2147483648, at); break;
      default: out.writeBigInt64BE(tzero === undefined ? BigInt(v) : BigInt.asIntN(64, BigInt(v) - 9223372036854775808n), at);
    }
  };
  return { name, code, repeat, width: size * repeat, tzero, unit: spec.unit, write: (out, at, row) => { for (let k = 0; k < repeat; k++) put(out, at + k * size, typed[row * repeat + k]); } };
}

export async function writeTable(file: string, columns: Record<string, ColumnInput>, options: { extname?: string; header?: HeaderInput; overwrite?: boolean } = {}): Promise<void> {
  const fields: Field[] = [];
  let rows: number | undefined;
  for (const [name, input] of Object.entries(columns)) {
    const f = field(name, input, rows);
    const spec = ArrayBuffer.isView(input) || Array.isArray(input) ? { values: input, repeat: 1 } : input;
    rows ??= Math.floor((spec.values as ArrayLike<unknown>).length / (spec.repeat ?? 1));
    fields.push(f);
  }
  const nrows = rows ?? 0;
  const rowBytes = fields.reduce((a, f) => a + f.width, 0);
  const cards: Array<Pick<Card, "keyword" | "value" | "comment">> = [
    { keyword: "XTENSION", value: "BINTABLE", comment: "binary table extension" },
    { keyword: "BITPIX", value: 8, comment: "" },
    { keyword: "NAXIS", value: 2, comment: "" },
    { keyword: "NAXIS1", value: rowBytes, comment: "bytes per row" },
    { keyword: "NAXIS2", value: nrows, comment: "rows" },
    { keyword: "PCOUNT", value: 0, comment: "" },
    { keyword: "GCOUNT", value: 1, comment: "" },
    { keyword: "TFIELDS", value: fields.length, comment: "" },
  ];
  fields.forEach((f, i) => {
    const n = i + 1;
    cards.push({ keyword: `TTYPE${n}`, value: f.name, comment: "" }, { keyword: `TFORM${n}`, value: `${f.repeat}${f.code}`, comment: "" });
    if (f.unit) cards.push({ keyword: `TUNIT${n}`, value: f.unit, comment: "" });
    if (f.tzero !== undefined) cards.push({ keyword: `TZERO${n}`, value: f.tzero, comment: "" }, { keyword: `TSCAL${n}`, value: 1, comment: "" });
  });
  if (options.extname) cards.push({ keyword: "EXTNAME", value: options.extname, comment: "" });
  cards.push(...cardsOf(options.header).filter((c) => !/^(XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|TFIELDS|T(TYPE|FORM|UNIT|ZERO|SCAL)\d+|EXTNAME|END)$/.test(c.keyword)));
  const block = (text: string) => Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK) * BLOCK), "latin1");
  const primary = block(["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0", "EXTEND  =                    T", "END"].map((c) => c.padEnd(80)).join(""));
  const header = block(cards.map((c) => formatCard(c)).join("") + "END".padEnd(80));
  const data = Buffer.alloc(Math.ceil((rowBytes * nrows) / BLOCK) * BLOCK);
  for (let r = 0; r < nrows; r++) {
    let at = r * rowBytes;
    for (const f of fields) {
      f.write(data, at, r);
      at += f.width;
    }
  }
  await writeAtomically(file, [primary, header, data], options.overwrite ?? false);
}
