/**
 * World coordinates of an image, from its header, through wcslib (as astropy.wcs does). The names
 * are wcsprm's and APE 14's (in camelCase): `pixelToWorldValues`, `worldToPixelValues`,
 * `pixelNDim`, `worldAxisUnits`, `worldAxisPhysicalTypes`. Pixels are 0-based, as astropy's
 * `origin=0`; world values are degrees for celestial axes and SI units for spectral ones; points
 * that have no world position are NaN.
 */
import { formatCard } from "../header/card.js";
import type { Header } from "../header/header.js";
import { wcslib, type WcsHandle, type WcsInfo } from "../native/wcslib.js";
import { physicalType } from "./physical-types.js";
import { fixScamp } from "./scamp.js";
import { INSPECT, KIND } from "../common/kinds.js";
import { escapeHtml } from "../common/html.js";

type Coordinates = ArrayLike<number>;

export class WcsError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "WcsError";
  }
}

function interleave(axes: Coordinates[], n: number): Float64Array {
  const lengths = new Set(axes.map((a) => a.length));
  if (axes.length !== n) throw new RangeError(`expected ${n} coordinate arrays (one per axis), got ${axes.length}`);
  if (lengths.size > 1) throw new RangeError(`the coordinate arrays differ in length: ${[...lengths].join(", ")}`);
  const count = axes[0]?.length ?? 0;
  const out = new Float64Array(count * n);
  for (let k = 0; k < n; k++) {
    const axis = axes[k];
    for (let i = 0; i < count; i++) out[i * n + k] = axis[i];
  }
  return out;
}

function split(flat: Float64Array, n: number): Float64Array[] {
  const count = flat.length / n;
  return Array.from({ length: n }, (_, k) => {
    const axis = new Float64Array(count);
    for (let i = 0; i < count; i++) axis[i] = flat[i * n + k];
    return axis;
  });
}

function wrapError(e: unknown): never {
  const error = e as Error & { status?: number };
  if (error?.name === "WcsError") throw new WcsError(error.message, error.status);
  throw e;
}

export class WCS {
  private readonly info: WcsInfo;

  private constructor(
    private readonly handle: WcsHandle,
    /** What was changed to make the header's WCS usable, card by card (astropy's FITSFixedWarning). */
    readonly warnings: readonly string[] = [],
  ) {
    this.info = handle.info();
  }

  /**
   * The WCS of a header (the primary description, or alternate `key` 'A'..'Z'). `naxis` (the image's
   * axis lengths) lets wcslib fix cylindrical projections as astropy does.
   */
  static fromHeader(header: Header, options: { key?: string; naxis?: number[] } = {}): WCS {
    const key = (options.key ?? " ").toUpperCase();
    const fixed = fixScamp(header.cards, key);
    // Cards read from a file keep their images (CONTINUE'd ones several); cards made in code get one.
    const images = fixed.cards.map((c) => c.image || formatCard(c));
    let parsed: ReturnType<ReturnType<typeof wcslib>["parseHeader"]>;
    try {
      parsed = wcslib().parseHeader(images.join(""), options.naxis ?? []);
    } catch (e) {
      wrapError(e);
    }
    const handle = parsed.wcs.find((h) => (h.info().alt || " ") === key);
    if (!handle)
      throw new WcsError(`the header has no WCS${key === " " ? "" : ` with key '${key}'`} (found: ${parsed.wcs.map((h) => `'${h.info().alt || " "}'`).join(", ") || "none"})`);
    return new WCS(handle, fixed.warnings);
  }

  get naxis(): number {
    return this.info.naxis;
  }
  get ctype(): string[] {
    return this.info.ctype;
  }
  get cunit(): string[] {
    return this.info.cunit;
  }
  get crpix(): Float64Array {
    return this.info.crpix;
  }
  get crval(): Float64Array {
    return this.info.crval;
  }
  get cdelt(): Float64Array {
    return this.info.cdelt;
  }
  /** The PCi_j matrix, row-major (pc[i * naxis + j] is PC(i+1)_(j+1)). */
  get pc(): Float64Array {
    return this.info.pc;
  }
  get lonpole(): number {
    return this.info.lonpole;
  }
  get latpole(): number {
    return this.info.latpole;
  }
  get restfrq(): number {
    return this.info.restfrq;
  }
  get restwav(): number {
    return this.info.restwav;
  }
  get specsys(): string {
    return this.info.specsys;
  }
  get radesys(): string {
    return this.info.radesys;
  }
  get equinox(): number {
    return this.info.equinox;
  }
  /** Whether the WCS has a celestial pair of axes (astropy's `has_celestial`). */
  get hasCelestial(): boolean {
    return this.info.lng >= 0 && this.info.lat >= 0;
  }
  /** 0-based indices of the celestial longitude and latitude axes and the spectral axis; -1 if absent. */
  get axes(): { lng: number; lat: number; spec: number } {
    return { lng: this.info.lng, lat: this.info.lat, spec: this.info.spec };
  }

  // APE 14, low level.
  get pixelNDim(): number {
    return this.info.naxis;
  }
  get worldNDim(): number {
    return this.info.naxis;
  }
  get worldAxisUnits(): string[] {
    return this.info.cunit.map((u) => u.trim());
  }
  get worldAxisPhysicalTypes(): string[] {
    return this.info.ctype.map(physicalType);
  }

  /** One array per pixel axis in, one array per world axis out. */
  pixelToWorldValues(...pixel: Coordinates[]): Float64Array[] {
    try {
      return split(this.handle.convertSync("p2s", interleave(pixel, this.naxis)), this.naxis);
    } catch (e) {
      wrapError(e);
    }
  }

  worldToPixelValues(...world: Coordinates[]): Float64Array[] {
    try {
      return split(this.handle.convertSync("s2p", interleave(world, this.naxis)), this.naxis);
    } catch (e) {
      wrapError(e);
    }
  }

  /** As `pixelToWorldValues`, on a worker thread: for millions of points. */
  async pixelToWorldValuesAsync(...pixel: Coordinates[]): Promise<Float64Array[]> {
    return split(await this.handle.convert("p2s", interleave(pixel, this.naxis)).catch(wrapError), this.naxis);
  }

  async worldToPixelValuesAsync(...world: Coordinates[]): Promise<Float64Array[]> {
    return split(await this.handle.convert("s2p", interleave(world, this.naxis)).catch(wrapError), this.naxis);
  }

  get [KIND](): "WCS" {
    return "WCS";
  }

  /** wcsprm's main fields in a few lines, as astropy prints a WCS. */
  toString(): string {
    const row = (name: string, values: ArrayLike<number> | string[]) =>
      `${name.padEnd(8)}: ${Array.from(values as ArrayLike<number | string>, (v) => (typeof v === "number" ? String(Number(v.toPrecision(10))) : `'${v}'`)).join("  ")}`;
    const lines = [
      `WCS Keywords`,
      `Number of WCS axes: ${this.naxis}`,
      row("CTYPE", this.ctype),
      row("CRVAL", this.crval),
      row("CRPIX", this.crpix),
      row("CDELT", this.cdelt),
      row("CUNIT", this.cunit),
    ];
    if (this.restfrq > 0) lines.push(`RESTFRQ : ${this.restfrq}`);
    if (this.specsys) lines.push(`SPECSYS : '${this.specsys}'`);
    for (const w of this.warnings) lines.push(`warning : ${w}`);
    return lines.join("\n");
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString(), "text/html": `<pre>${escapeHtml(this.toString())}</pre>` };
  }

  [INSPECT](): string {
    return this.toString();
  }

  toJSON(): Record<string, unknown> {
    const { crpix, crval, cdelt, pc, ...rest } = this.info;
    return { ...rest, crpix: [...crpix], crval: [...crval], cdelt: [...cdelt], pc: [...pc] };
  }
}
