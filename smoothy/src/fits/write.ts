/**
 * Writing images, as astropy's `writeto`: the header's cards plus the structural ones, then the data
 * big-endian. The file is written beside its destination and renamed over it, so a failed write
 * (a full disk, an interrupted process) leaves the old file intact.
 */
import { randomBytes } from "node:crypto";
import { open as openFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { formatCard, type Card, type CardValue } from "../header/card.js";
import type { ImageArray, PixelArray } from "./image-data.js";
import { BLOCK } from "./open.js";

const BITPIX: Array<[new (...a: never[]) => PixelArray, number, CardValue?]> = [
  [Uint8Array, 8],
  [Int8Array, 8, -128],
  [Int16Array, 16],
  [Uint16Array, 16, 32768],
  [Int32Array, 32],
  [Uint32Array, 32, 2147483648],
  [BigInt64Array, 64],
  [BigUint64Array, 64, 9223372036854775808n],
  [Float32Array, -32],
  [Float64Array, -64],
];

const STRUCTURAL = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BZERO|BSCALE|END)$/;

export type HeaderInput = Record<string, CardValue> | Array<Pick<Card, "keyword" | "value" | "comment">>;

export function cardsOf(input: HeaderInput | undefined): Array<Pick<Card, "keyword" | "value" | "comment">> {
  if (!input) return [];
  if (Array.isArray(input)) return input;
  return Object.entries(input).map(([keyword, value]) => ({ keyword: keyword.toUpperCase(), value, comment: "" }));
}

/** Big-endian bytes of the stored values (the unsigned conventions store value − BZERO). */
function encode(data: PixelArray, bitpix: number, bzero: CardValue | undefined): Buffer {
  const width = Math.abs(bitpix) / 8;
  const out = Buffer.allocUnsafe(data.length * width);
  for (let i = 0; i < data.length; i++) {
    const at = i * width;
    const v = data[i];
    switch (bitpix) {
      case 8:
        out.writeUInt8(bzero === undefined ? Number(v) : Number(v) + 128, at);
        break;
      case 16:
        out.writeInt16BE(bzero === undefined ? Number(v) : Number(v) - 32768, at);
        break;
      case 32:
        out.writeInt32BE(bzero === undefined ? Number(v) : Number(v) - 2147483648, at);
        break;
      case 64:
        out.writeBigInt64BE(bzero === undefined ? BigInt(v) : BigInt.asIntN(64, BigInt(v) - 9223372036854775808n), at);
        break;
      case -32:
        out.writeFloatBE(Number(v), at);
        break;
      default:
        out.writeDoubleBE(Number(v), at);
    }
  }
  return out;
}

export async function writeImage(file: string, image: ImageArray, options: { header?: HeaderInput; overwrite?: boolean } = {}): Promise<void> {
  const kind = BITPIX.find(([Type]) => image.data instanceof Type);
  if (!kind) throw new TypeError(`writeImage(${file}): unsupported data type ${Object.prototype.toString.call(image.data)}`);
  const [, bitpix, bzero] = kind;
  const count = image.shape.reduce((a, b) => a * b, 1);
  if (count !== image.data.length) throw new RangeError(`writeImage(${file}): shape ${image.shape.join(" × ")} holds ${count} values, the data ${image.data.length}`);
  if (!options.overwrite) {
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (exists) throw new Error(`writeImage: ${file} exists (pass { overwrite: true } to replace it)`);
  }
  const cards = [
    { keyword: "SIMPLE", value: true, comment: "conforms to FITS standard" },
    { keyword: "BITPIX", value: bitpix, comment: "array data type" },
    { keyword: "NAXIS", value: image.shape.length, comment: "number of array dimensions" },
    ...image.shape.map((n, i) => ({ keyword: `NAXIS${i + 1}`, value: n, comment: "" })),
    ...(bzero !== undefined
      ? [
          { keyword: "BZERO", value: bzero, comment: "offset for unsigned integers" },
          { keyword: "BSCALE", value: 1, comment: "" },
        ]
      : []),
    ...cardsOf(options.header).filter((c) => !STRUCTURAL.test(c.keyword)),
  ];
  const header = Buffer.from((cards.map((c) => formatCard(c)).join("") + "END".padEnd(80)).padEnd(Math.ceil((cards.length + 1) / 36) * BLOCK), "latin1");
  const data = encode(image.data, bitpix, bzero);
  const padding = Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK);
  await writeAtomically(file, [header, data, padding], true);
}

/**
 * Writes `parts` to `file` through a temporary file beside it, renamed over it at the end, so a failed
 * write leaves the old file intact; refuses to replace a file unless `overwrite`.
 */
export async function writeAtomically(file: string, parts: Buffer[], overwrite: boolean): Promise<void> {
  if (
    !overwrite &&
    (await stat(file).then(
      () => true,
      () => false,
    ))
  ) {
    throw new Error(`write: ${file} exists (pass { overwrite: true } to replace it)`);
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await openFile(temp, "wx");
  try {
    await handle.writev(parts);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw new Error(`write ${file}: ${(e as Error).message}; the old file, if any, is untouched`);
  }
}
