/** The HDUs of one file, indexable by position, EXTNAME or [EXTNAME, EXTVER], as astropy's HDUList. */
import type { HDU } from "./hdu.js";
import type { ByteSource } from "./source.js";
import { escapeHtml } from "../common/html.js";
import { INSPECT, KIND, kindOf } from "../common/kinds.js";

export type HDUKey = number | string | [string, number];

const LISTS = new WeakMap<HDU, HDUList>();

/** The file an HDU was read from (its other HDUs: a BEAMS table, say), as astropy's HDUs keep their file. */
export function listOf(hdu: HDU): HDUList | undefined {
  return LISTS.get(hdu);
}

export class HDUList implements Iterable<HDU> {
  constructor(
    readonly path: string,
    readonly hdus: readonly HDU[],
    private readonly source: ByteSource,
    readonly warnings: readonly string[] = [],
  ) {
    for (const hdu of hdus) LISTS.set(hdu, this);
  }

  get [KIND](): "HDUList" {
    return "HDUList";
  }

  [INSPECT](): string {
    return this.info();
  }

  get length(): number {
    return this.hdus.length;
  }

  [Symbol.iterator](): Iterator<HDU> {
    return this.hdus[Symbol.iterator]();
  }

  /** An HDU by index (negative counts from the end), name, or name and version; throws when absent. */
  get(key: HDUKey): HDU {
    let hdu: HDU | undefined;
    if (typeof key === "number") {
      hdu = this.hdus.at(key);
    } else {
      const [name, ver] = typeof key === "string" ? [key, undefined] : key;
      hdu = this.hdus.find((h) => h.name.toUpperCase() === name.toUpperCase() && (ver === undefined || h.ver === ver));
    }
    if (!hdu) throw new RangeError(`${this.path}: no HDU ${JSON.stringify(key)} (the file has ${this.hdus.length}: ${this.hdus.map((h) => h.name || h.index).join(", ")})`);
    return hdu;
  }

  /** A table of the HDUs, as astropy's `info()` prints it. */
  info(): string {
    return [`Filename: ${this.path}`, "No.  Name             Ver  Type          Cards  Dimensions  Format", ...this.hdus.map((h) => h.summary())].join("\n");
  }

  /** Reads raw bytes of the file (for the data readers). */
  read(offset: number, length: number): Promise<Buffer> {
    return this.source.read(offset, length);
  }

  close(): Promise<void> {
    return this.source.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const rows = this.hdus
      .map(
        (h) =>
          `<tr><td>${h.index}</td><td>${escapeHtml(h.name)}</td><td>${h.ver}</td><td>${h.kind}</td><td>${h.header.cards.length}</td><td>${h.isImage ? h.shape.join(" × ") : `${h.rows} rows`}</td></tr>`,
      )
      .join("");
    return {
      "text/plain": this.info(),
      "text/html": `<div><b>${escapeHtml(this.path)}</b><table><thead><tr><th>No.</th><th>Name</th><th>Ver</th><th>Type</th><th>Cards</th><th>Dimensions</th></tr></thead><tbody>${rows}</tbody></table></div>`,
    };
  }
}

export function isHDUList(x: unknown): x is HDUList {
  return kindOf(x) === "HDUList";
}
