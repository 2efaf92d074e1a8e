/**
 * World coordinates of an image, from its header, through wcslib (as astropy.wcs does). The names
 * are wcsprm's and APE 14's (in camelCase): `pixelToWorldValues`, `worldToPixelValues`,
 * `pixelNDim`, `worldAxisUnits`, `worldAxisPhysicalTypes`. Pixels are 0-based, as astropy's
 * `origin=0`; world values are degrees for celestial axes and SI units for spectral ones; points
 * that have no world position are NaN. A product's WCS is sliced to the product's own axes
 * (`slice`, `celestial`, `spectral`), as astropy's SlicedLowLevelWCS.
 */
import { formatCard } from "../header/card.js";
import type { Header } from "../header/header.js";
import { wcslib, type WcsHandle, type WcsInfo } from "../native/wcslib.js";
import { physicalType } from "./physical-types.js";
import { fullPixels, fullWorld, sliceView, viewInfo, wholeView, type AxisSlice, type WcsView } from "./slice.js";
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

function checkCoordinates(axes: readonly Coordinates[], n: number, what = ""): void {
  const lengths = new Set(axes.map((a) => a.length));
  if (axes.length !== n) throw new RangeError(`expected ${n} coordinate arrays (one per ${what ? `${what} ` : ""}axis), got ${axes.length}`);
  if (lengths.size > 1) throw new RangeError(`the coordinate arrays differ in length: ${[...lengths].join(", ")}`);
}

function interleave(axes: Coordinates[], n: number): Float64Array {
  checkCoordinates(axes, n);
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

/** A wcslib call with its errors as WcsError. */
function sync(run: () => Float64Array): Float64Array {
  try {
    return run();
  } catch (e) {
    wrapError(e);
  }
}

function wrapError(e: unknown): never {
  const error = e as Error & { status?: number };
  if (error?.name === "WcsError") throw new WcsError(error.message, error.status);
  throw e;
}

export class WCS {
  /** wcsprm's fields over this WCS's own axes; `full` over all the header's. */
  private readonly info: WcsInfo;
  private readonly full: WcsInfo;

  private constructor(
    private readonly handle: WcsHandle,
    /** What was changed to make the header's WCS usable, card by card (astropy's FITSFixedWarning). */
    readonly warnings: readonly string[] = [],
    /** Which of the header's axes this WCS has; undefined for all of them. */
    private readonly view?: WcsView,
  ) {
    this.full = handle.info();
    this.info = view ? viewInfo(this.full, view) : this.full;
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
    return this.info.ctype.length;
  }
  get worldAxisUnits(): string[] {
    return this.info.cunit.map((u) => u.trim());
  }
  get worldAxisPhysicalTypes(): string[] {
    return this.info.ctype.map(physicalType);
  }

  /** One array per pixel axis in, one array per world axis out. */
  pixelToWorldValues(...pixel: Coordinates[]): Float64Array[] {
    const { flat, read } = this.worldRequest(pixel);
    return read(sync(() => this.handle.convertSync("p2s", flat)));
  }

  worldToPixelValues(...world: Coordinates[]): Float64Array[] {
    const { flat, read } = this.pixelRequest(world);
    return read(sync(() => this.handle.convertSync("s2p", flat)));
  }

  /** As `pixelToWorldValues`, on a worker thread: for millions of points. */
  async pixelToWorldValuesAsync(...pixel: Coordinates[]): Promise<Float64Array[]> {
    const { flat, read } = this.worldRequest(pixel);
    return read(await this.handle.convert("p2s", flat).catch(wrapError));
  }

  async worldToPixelValuesAsync(...world: Coordinates[]): Promise<Float64Array[]> {
    const { flat, read } = this.pixelRequest(world);
    return read(await this.handle.convert("s2p", flat).catch(wrapError));
  }

  /** wcslib's input for pixels of this WCS (the header's axes, sliced ones filled in), and how to read its output. */
  private worldRequest(pixel: Coordinates[]): { flat: Float64Array; read: (out: Float64Array) => Float64Array[] } {
    const n = this.full.naxis;
    const view = this.view;
    if (!view) return { flat: interleave(pixel, n), read: (out) => split(out, n) };
    checkCoordinates(pixel, this.pixelNDim, "pixel");
    return {
      flat: interleave(fullPixels(view, n, pixel), n),
      read: (out) => {
        const world = split(out, n);
        return view.worldAxes.map((w) => world[w]);
      },
    };
  }

  /** The inverse's: a dropped world axis takes its value at the slice's origin, as in astropy. */
  private pixelRequest(world: Coordinates[]): { flat: Float64Array; read: (out: Float64Array) => Float64Array[] } {
    const n = this.full.naxis;
    const view = this.view;
    if (!view) return { flat: interleave(world, n), read: (out) => split(out, n) };
    checkCoordinates(world, this.worldNDim, "world");
    const anchor = split(
      sync(() => this.handle.convertSync("p2s", view.origin)),
      n,
    );
    return {
      flat: interleave(fullWorld(view, anchor, world), n),
      read: (out) => {
        const pixel = split(out, n);
        return view.pixelAxes.map((a) => pixel[a].map((p) => p - view.origin[a]));
      },
    };
  }

  /**
   * This WCS over some of its pixel axes (astropy's SlicedLowLevelWCS), one entry per axis: a number
   * holds the axis at that pixel and drops it, `[start, stop]` keeps it with pixel 0 at `start` (a
   * cut-out), null keeps it as it is. World axes that no kept pixel axis moves are dropped too.
   */
  slice(slices: readonly AxisSlice[]): WCS {
    return new WCS(this.handle, this.warnings, sliceView(this.full, this.view ?? wholeView(this.full.naxis), slices));
  }

  /** The celestial axes alone (astropy's `wcs.celestial`), the others held at pixel 0; undefined without them. */
  get celestial(): WCS | undefined {
    if (!this.hasCelestial) return undefined;
    return this.keeping((axis) => axis === this.info.lng || axis === this.info.lat);
  }

  /** The spectral axis alone (astropy's `wcs.spectral`), the others held at pixel 0; undefined without one. */
  get spectral(): WCS | undefined {
    if (this.info.spec < 0) return undefined;
    return this.keeping((axis) => axis === this.info.spec);
  }

  /** Keeps the pixel axes whose own world axis (the same header index) passes `keep`, holds the rest at 0. */
  private keeping(keep: (worldAxis: number) => boolean): WCS {
    const view = this.view ?? wholeView(this.full.naxis);
    return this.slice(view.pixelAxes.map((p) => (keep(view.worldAxes.indexOf(p)) ? null : 0)));
  }

  /** The world axis that pixel axis `pixelAxis` of this WCS belongs to (same header index), or -1. */
  worldAxisOf(pixelAxis: number): number {
    if (!this.view) return pixelAxis < this.full.naxis ? pixelAxis : -1;
    const axis = this.view.pixelAxes[pixelAxis];
    return axis === undefined ? -1 : this.view.worldAxes.indexOf(axis);
  }

  /** The axis of this WCS's pixels that world axis `worldAxis` belongs to (same header index), or -1. */
  pixelAxisOf(worldAxis: number): number {
    if (!this.view) return worldAxis < this.full.naxis ? worldAxis : -1;
    const axis = this.view.worldAxes[worldAxis];
    return axis === undefined ? -1 : this.view.pixelAxes.indexOf(axis);
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
      ...(this.view ? [this.sliceLine(this.view)] : []),
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

  /** Which of the header's axes this WCS keeps (1-based, as in the header) and where the others are held. */
  private sliceLine(view: WcsView): string {
    const held = [...view.origin.keys()].filter((a) => !view.pixelAxes.includes(a)).map((a) => `${a + 1} at pixel ${view.origin[a]}`);
    const starts = view.pixelAxes.filter((a) => view.origin[a] !== 0).map((a) => `${a + 1} from pixel ${view.origin[a]}`);
    return `Sliced  : axes ${view.pixelAxes.map((a) => a + 1).join(", ")} of ${this.full.naxis}${[...held, ...starts].map((t) => `; ${t}`).join("")}`;
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
