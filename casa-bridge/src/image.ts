/**
 * A CASA image (or any image casacore's ImageOpener knows: FITS, MIRIAD), kept open: its shape,
 * coordinate system, unit, beams, masks, misc info and history; pixels whole, by plane or by box;
 * pixel to world and back through casacore's coordinates; imstat's statistics; and the same pixels as
 * a smoothy Image or Cube, so visualize() and findClumps() work on it unchanged.
 */
import { cellSignal, productOf, type Beam, type Product } from "smoothy";
import { fitsHeader } from "./fits-header.js";
import { casa, type CasaRecord, type CoordinateSystemJson, type NativeBeam, type ImageHandle, type ImageStatistics, type PixelArray } from "./native.js";

export interface Box {
  /** Bottom-left corner, 0-based, per axis (default 0). */
  blc?: number[];
  /** Top-right corner, inclusive (default the last pixel). */
  trc?: number[];
  /** Stride per axis (default 1). */
  inc?: number[];
}

export class CasaImage {
  private constructor(private readonly handle: ImageHandle) {}

  /** Opens a CASA image, a FITS or a MIRIAD image. */
  static open(path: string): CasaImage {
    return new CasaImage(casa().openImage(path));
  }

  /** A new float32 CASA image (PagedImage) with this coordinate system; write pixels with putData. */
  static create(path: string, shape: number[], options: { coordinates: CoordinateSystemJson; unit?: string; beam?: Beam; overwrite?: boolean }): CasaImage {
    const { beam, ...rest } = options;
    return new CasaImage(casa().createImage(path, shape, { ...rest, ...(beam ? { beam: toNative(beam) } : {}) }));
  }

  get path(): string {
    return this.handle.path;
  }
  /** Axis lengths in casacore's (= FITS's) order. */
  get shape(): number[] {
    return this.handle.shape;
  }
  get dataType(): string {
    return this.handle.dataType;
  }
  get imageType(): string {
    return this.handle.imageType;
  }
  get unit(): string {
    return this.handle.unit();
  }
  coordinates(): CoordinateSystemJson {
    return this.handle.coordinates();
  }
  /** The restoring beam, or the per-plane beams, as smoothy's Beam (degrees, as FITS's BMAJ, BMIN, BPA). */
  beams(): { single: Beam | null; perPlane: Beam[] | null; nchan: number; nstokes: number } {
    const b = this.handle.beams();
    return { ...b, single: b.single ? fromNative(b.single) : null, perPlane: b.perPlane?.map(fromNative) ?? null };
  }
  maskNames(): string[] {
    return this.handle.maskNames();
  }
  /** The image's misc info (int64 values as bigints). */
  miscInfo(): CasaRecord {
    return this.handle.miscInfo();
  }
  history(): string[] {
    return this.handle.history();
  }

  private box(box: Box): [number[], number[], number[]] {
    const n = this.shape.length;
    const blc = box.blc ?? new Array(n).fill(0);
    const trc = box.trc ?? this.shape.map((s) => s - 1);
    const inc = box.inc ?? new Array(n).fill(1);
    for (const [name, v] of [
      ["blc", blc],
      ["trc", trc],
      ["inc", inc],
    ] as const) {
      if (v.length !== n) throw new RangeError(`${this.path}: ${name} has ${v.length} values, the image ${n} axes`);
    }
    return [blc, trc, inc];
  }

  /** Pixels of a box (the whole image by default), axis 0 fastest, as { shape, data }. */
  async getData(box: Box = {}): Promise<{ shape: number[]; data: PixelArray }> {
    const [blc, trc, inc] = this.box(box);
    cellSignal()?.throwIfAborted();
    const data = await this.handle.getSlice(blc, trc, inc);
    return { shape: blc.map((b, a) => Math.floor((trc[a] - b) / inc[a]) + 1), data };
  }

  /** One plane: every pixel of the first two axes at `index` along `axis` (default the third). */
  plane(index: number, axis = 2): Promise<{ shape: number[]; data: PixelArray }> {
    const blc = this.shape.map(() => 0);
    const trc = this.shape.map((s) => s - 1);
    blc[axis] = trc[axis] = index;
    return this.getData({ blc, trc });
  }

  /** The default mask over a box (1 = good), or null without one. */
  async getMask(box: Box = {}): Promise<Uint8Array | null> {
    return this.handle.getMask(...this.box(box));
  }

  /** Writes a box of pixels at `blc` (default: the whole image); `shape` defaults to the rest of the image from blc. */
  async putData(data: PixelArray, blc: number[] = this.shape.map(() => 0), shape?: number[]): Promise<void> {
    await this.handle.putSlice(data, blc, shape);
  }

  /** World coordinates (casacore's units: rad, Hz, ...) of 0-based pixels given per axis (APE 14's name). */
  pixelToWorldValues(...pixel: ArrayLike<number>[]): Float64Array[] {
    return this.handle.toWorld(pixel.map((p) => Float64Array.from(p)));
  }

  /** The inverse: 0-based pixels of world values (casacore's units) given per axis. */
  worldToPixelValues(...world: ArrayLike<number>[]): Float64Array[] {
    return this.handle.toPixel(world.map((w) => Float64Array.from(w)));
  }

  /** imstat: over the image, or the box. */
  statistics(box?: Pick<Box, "blc" | "trc">): Promise<ImageStatistics> {
    if (!box) return this.handle.statistics();
    const [blc, trc] = this.box(box);
    return this.handle.statistics(blc, trc);
  }

  /** The pixels as a smoothy Spectrum, Image or Cube (degenerate axes squeezed), with a FITS WCS made from casacore's. */
  async toProduct(): Promise<Product> {
    const { data } = await this.getData();
    const { single, perPlane } = this.beams();
    const beams = perPlane ?? undefined;
    const header = fitsHeader(this.coordinates(), this.shape, this.unit, single ?? (perPlane ? perPlane[Math.floor(perPlane.length / 2)] : null));
    return productOf({ header, data, shape: this.shape, beams, source: this.path });
  }

  close(): void {
    this.handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const cs = this.coordinates();
    const axes = cs.coordinates.flatMap((c) => c.pixelAxes.map((p, j) => `${c.names[j]} (${c.type}${c.frame ? ` ${c.frame}` : ""}): ${this.shape[p]}`));
    const text = `${this.imageType} ${this.path}: ${this.shape.join(" × ")} ${this.dataType}, ${this.unit}\n${axes.join("\n")}`;
    return { "text/plain": text };
  }
}

/** casacore gives beams in arcsec; smoothy's Beam, like FITS, is in degrees. */
function fromNative(b: NativeBeam): Beam {
  return { bmaj: b.major / 3600, bmin: b.minor / 3600, bpa: b.pa };
}

function toNative(b: Beam): NativeBeam {
  return { major: b.bmaj * 3600, minor: b.bmin * 3600, pa: b.bpa };
}
