/**
 * Header-data units. The kind is chosen from the header through a registry of matchers, as astropy's
 * `match_header` does; the data stay on disk until asked for.
 */
import type { Card } from "../header/card.js";
import { FitsError } from "./errors.js";
import { Header } from "../header/header.js";
import { readCompressed } from "./compressed.js";
import { cellSignal } from "../common/notebook.js";

export interface ReadOptions {
  /** Cancels the read: it rejects with the signal's reason at its next step. */
  signal?: AbortSignal;
  /**
   * Reads into this memory instead of a new buffer (at least the section's size in stored bytes):
   * reading plane after plane or file after file into one buffer saves the cost of fresh pages.
   * The returned array is a view of it. Not for tile-compressed images.
   */
  into?: ArrayBufferView | ArrayBuffer;
}
import { asciiColumns, binaryColumns, readAsciiColumn, readBinaryColumn, Table, tableError, type Column } from "./table.js";
import { readImage, scalingOf, type DType, type ImageArray } from "./image-data.js";
import { WCS } from "../wcs/wcs.js";
import { INSPECT, KIND, kindOf } from "../common/kinds.js";
import { escapeHtml } from "../common/html.js";

export type HDUKind = "PrimaryHDU" | "GroupsHDU" | "ImageHDU" | "CompImageHDU" | "BinTableHDU" | "TableHDU";

interface Matcher {
  kind: HDUKind;
  match(header: Header, index: number): boolean;
}

const xtension = (h: Header) => String(h.get("XTENSION", "")).trim().toUpperCase();

/** First match wins: compressed images are binary tables with ZIMAGE = T. */
const MATCHERS: Matcher[] = [
  { kind: "GroupsHDU", match: (h, i) => i === 0 && h.get("GROUPS") === true && h.get("NAXIS1") === 0 },
  { kind: "PrimaryHDU", match: (h, i) => i === 0 },
  { kind: "CompImageHDU", match: (h) => xtension(h) === "BINTABLE" && h.get("ZIMAGE") === true },
  { kind: "BinTableHDU", match: (h) => xtension(h) === "BINTABLE" || xtension(h) === "A3DTABLE" },
  { kind: "TableHDU", match: (h) => xtension(h) === "TABLE" },
  { kind: "ImageHDU", match: (h) => xtension(h) === "IMAGE" || xtension(h) === "IUEIMAGE" },
];

export function matchHeader(header: Header, index: number): HDUKind | undefined {
  return MATCHERS.find((m) => m.match(header, index))?.kind;
}

/** Bytes of the data unit, before padding to whole 2880-byte blocks (FITS standard 4.0, eq. 2). */
export function dataSize(header: Header): number {
  const naxis = header.number("NAXIS", 0);
  if (naxis === 0) return 0;
  const whole = (keyword: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${keyword} = ${value}: expected a whole number ≥ ${min}`);
    return value;
  };
  whole("NAXIS", naxis, 0);
  let product = 1;
  const groups = header.get("GROUPS") === true && header.get("NAXIS1") === 0;
  for (let i = groups ? 2 : 1; i <= naxis; i++) product *= whole(`NAXIS${i}`, header.number(`NAXIS${i}`), 0);
  const bitpix = Math.abs(header.number("BITPIX"));
  if (![8, 16, 32, 64].includes(bitpix)) throw new RangeError(`BITPIX = ${header.number("BITPIX")}: expected 8, 16, 32, 64, -32 or -64`);
  return (bitpix / 8) * whole("GCOUNT", header.number("GCOUNT", 1), 0) * (whole("PCOUNT", header.number("PCOUNT", 0), 0) + product);
}

const TABLE_KEYWORD = /^(TFIELDS|THEAP|T(TYPE|FORM|UNIT|NULL|SCAL|ZERO|DISP|DIM|BCOL)\d+)$/;
const COMPRESSION_KEYWORD = /^(ZIMAGE|ZCMPTYPE|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZNAME\d+|ZVAL\d+|ZMASKCMP|ZQUANTIZ|ZDITHER0|ZSIMPLE|ZTENSION|ZEXTEND|ZBLOCKED|ZPCOUNT|ZGCOUNT)$/;
const STRUCTURE_KEYWORD = /^(XTENSION|SIMPLE|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|EXTEND|CHECKSUM|DATASUM)$/;

function synthetic(keyword: string, value: Card["value"], comment = ""): Card {
  return { keyword, value, comment, image: "" };
}

/** The header of the image a tile-compressed table holds, as astropy presents it. */
export function compressedImageHeader(table: Header): Header {
  const cards: Card[] = [];
  const primary = table.has("ZSIMPLE");
  cards.push(primary ? synthetic("SIMPLE", table.get("ZSIMPLE") ?? true) : synthetic("XTENSION", String(table.get("ZTENSION", "IMAGE")).trim()));
  cards.push(synthetic("BITPIX", table.get("ZBITPIX") ?? null, table.comment("ZBITPIX")));
  const naxis = table.number("ZNAXIS", 0);
  cards.push(synthetic("NAXIS", naxis, table.comment("ZNAXIS")));
  for (let i = 1; i <= naxis; i++) cards.push(synthetic(`NAXIS${i}`, table.get(`ZNAXIS${i}`) ?? null, table.comment(`ZNAXIS${i}`)));
  if (!primary) {
    cards.push(synthetic("PCOUNT", table.get("ZPCOUNT", 0), table.comment("ZPCOUNT")));
    cards.push(synthetic("GCOUNT", table.get("ZGCOUNT", 1), table.comment("ZGCOUNT")));
  }
  for (const card of table.cards) {
    const k = card.keyword;
    if (STRUCTURE_KEYWORD.test(k) || TABLE_KEYWORD.test(k) || COMPRESSION_KEYWORD.test(k)) continue;
    if (k === "EXTNAME" && card.value === "COMPRESSED_IMAGE") continue;
    if (k === "ZHECKSUM" || k === "ZDATASUM") cards.push({ ...card, keyword: k === "ZHECKSUM" ? "CHECKSUM" : "DATASUM" });
    else cards.push(card);
  }
  if (table.has("ZEXTEND")) cards.push(synthetic("EXTEND", table.get("ZEXTEND") ?? null, table.comment("ZEXTEND")));
  return new Header(cards);
}

export class HDU {
  /** The header astronomers read: for a compressed image, the image's own header. */
  readonly header: Header;

  constructor(
    readonly kind: HDUKind,
    readonly index: number,
    /** The header as stored (for a compressed image, the binary table's). */
    readonly rawHeader: Header,
    readonly headerOffset: number,
    readonly dataOffset: number,
    readonly dataSize: number,
    readonly warnings: readonly string[],
    private readonly source: {
      path: string;
      read(offset: number, length: number): Promise<Buffer>;
      readInto(target: Uint8Array, at: number, offset: number, length: number): Promise<number>;
      readonly fd?: number;
    },
  ) {
    this.header = kind === "CompImageHDU" ? compressedImageHeader(rawHeader) : rawHeader;
  }

  /** EXTNAME, or PRIMARY for the first HDU (astropy's `name`). */
  get name(): string {
    const extname = this.rawHeader.get("EXTNAME");
    if (typeof extname === "string") return extname.trim();
    return this.index === 0 ? "PRIMARY" : "";
  }

  get ver(): number {
    const v = this.rawHeader.get("EXTVER");
    return typeof v === "number" ? v : 1;
  }

  get isImage(): boolean {
    return this.kind === "PrimaryHDU" || this.kind === "ImageHDU" || this.kind === "CompImageHDU";
  }

  /** Image axis lengths in FITS order (NAXIS1 first); empty for tables and data-less HDUs. */
  get shape(): number[] {
    if (!this.isImage) return [];
    const naxis = this.header.number("NAXIS", 0);
    return Array.from({ length: naxis }, (_, i) => this.header.number(`NAXIS${i + 1}`));
  }

  get bitpix(): number {
    return this.header.number("BITPIX");
  }

  /** Rows of a table HDU (NAXIS2), 0 for images. */
  get rows(): number {
    return this.isImage ? 0 : this.rawHeader.number("NAXIS2", 0);
  }

  /** The type of the physical values `data()` returns (astropy's dtype, without byte order). */
  get dtype(): DType | undefined {
    return this.isImage && this.shape.length > 0 ? scalingOf(this.header).dtype : undefined;
  }

  /**
   * All the image's physical values, in FITS storage order. `signal` cancels the read (default: the
   * notebook cell's, so an interrupt stops it).
   */
  data(options: ReadOptions = {}): Promise<ImageArray> {
    return this.section(undefined, undefined, options);
  }

  /**
   * Part of the image: `start` and `end` (exclusive) per axis in FITS order, 0-based, so a plane of a
   * cube is `section([0, 0, k], [nx, ny, k + 1])` and the spectrum at (x, y) is `section([x, y, 0], [x + 1, y + 1, nz])`.
   */
  section(start?: number[], end?: number[], options: ReadOptions = {}): Promise<ImageArray> {
    const signal = options.signal ?? cellSignal();
    if (!this.isImage || this.shape.length === 0) {
      return Promise.reject(new FitsError("EBADHEADER", this.source.path, this.index, this.dataOffset, `${this.kind} ${JSON.stringify(this.name)} has no image data`));
    }
    const where = { path: this.source.path, hdu: this.index, offset: this.dataOffset };
    if (this.kind === "CompImageHDU" && options.into)
      return Promise.reject(new TypeError(`${this.source.path}: HDU ${this.index} is tile-compressed; cfitsio fills buffers of its own, so { into } is not supported`));
    if (this.kind === "CompImageHDU") return readCompressed({ ...where, read: this.source.read }, this.header, this.rawHeader, this.shape, start, end, signal);
    return readImage({ ...where, readInto: this.source.readInto, fd: this.source.fd }, this.header, this.shape, start, end, signal, options.into);
  }

  /**
   * A binary or ASCII table: its columns' definitions now, each column's values when first asked for.
   * The table's bytes (rows and heap) are read once, here.
   */
  async table(): Promise<Table> {
    const where = `${this.source.path}: HDU ${this.index}`;
    if (this.kind !== "BinTableHDU" && this.kind !== "TableHDU") {
      throw new FitsError("EBADHEADER", this.source.path, this.index, this.headerOffset, `${this.kind} ${JSON.stringify(this.name)} is not a table`);
    }
    let columns: Column[];
    try {
      columns = this.kind === "BinTableHDU" ? binaryColumns(this.rawHeader, where) : asciiColumns(this.rawHeader, where);
    } catch (e) {
      throw tableError(this.source.path, this.index, this.headerOffset, e);
    }
    const bytes = await this.source.read(this.dataOffset, this.dataSize);
    if (bytes.length !== this.dataSize) {
      throw new FitsError("ETRUNCATED", this.source.path, this.index, this.dataOffset, `the table's data end after ${bytes.length} of ${this.dataSize} bytes`);
    }
    const readColumn = this.kind === "BinTableHDU" ? readBinaryColumn : readAsciiColumn;
    return new Table(columns, this.rows, (column) => {
      try {
        return readColumn(bytes, this.rawHeader, column, where);
      } catch (e) {
        throw tableError(this.source.path, this.index, this.dataOffset, e);
      }
    });
  }

  /** The image's world coordinates (primary description, or alternate `key`), through wcslib. */
  wcs(key?: string): WCS {
    return WCS.fromHeader(this.header, { key, naxis: this.shape });
  }

  get [KIND](): "HDU" {
    return "HDU";
  }

  /** A cell that ends in an HDU shows what it holds, as astropy's `info()` line does. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const shape = this.isImage ? this.shape.join(" × ") || "no data" : `${this.rows} rows`;
    const html = `<table><caption style="text-align:left"><b>${escapeHtml(this.kind)}</b> ${escapeHtml(this.name)}</caption><tr><th style="text-align:left">shape</th><td>${escapeHtml(shape)}</td></tr><tr><th style="text-align:left">type</th><td>${escapeHtml(this.isImage ? String(this.dtype ?? "") : "table")}</td></tr><tr><th style="text-align:left">cards</th><td>${this.header.cards.length}</td></tr><tr><th style="text-align:left">file</th><td>${escapeHtml(this.source.path)}</td></tr></table>`;
    return { "text/plain": this.summary(), "text/html": html };
  }

  [INSPECT](): string {
    return `HDU ${this.summary().trim()}`;
  }

  /** One line of `HDUList.info()`. */
  summary(): string {
    const dims = this.isImage ? (this.shape.length ? this.shape.join(" x ") : "()") : `${this.rows} rows x ${this.rawHeader.number("TFIELDS", 0)} cols`;
    const type = this.isImage && this.shape.length ? `BITPIX ${this.bitpix}` : "";
    return `${String(this.index).padStart(3)}  ${this.name.padEnd(16)} ${String(this.ver).padStart(3)}  ${this.kind.padEnd(13)} ${String(this.header.cards.length).padStart(5)}  ${dims}  ${type}`.trimEnd();
  }
}

/** An HDU of any copy of smoothy (see kinds.ts). */
export function isHDU(x: unknown): x is HDU {
  return kindOf(x) === "HDU";
}
