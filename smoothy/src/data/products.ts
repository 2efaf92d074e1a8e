/**
 * Spectrum (1-D), Image (2-D) and Cube (3-D): an image HDU's physical values with what gives them
 * meaning (WCS, BUNIT, the beam). Degenerate axes (a Stokes axis of length 1) are squeezed away;
 * shapes stay in FITS order (the first axis varies fastest) and pixels are 0-based. These classes
 * know nothing of rendering: `visualize()` turns them into views.
 */
import type { Header } from "../header/header.js";
import type { WCS } from "../wcs/wcs.js";
import type { AxisSlice } from "../wcs/slice.js";
import { jyPerBeamToKelvin, type Beam } from "./beam.js";
import { convertSpectral, DISPLAY_UNIT, lineKind, spectralKind, spectralScale, SPECTRAL_UNIT, type SpectralKind } from "./spectral.js";
import { INSPECT, KIND, kindOf } from "../common/kinds.js";
import { alongAxis, reduceAxis, strides } from "./axes.js";
import { describeHtml, describeText } from "./describe.js";
import { multiplyUnits, normalizeUnit } from "./units.js";
import { madStd, medianOf, statistics, type Statistics } from "./statistics.js";

/** Physical values; Int32Array for label maps (a clump mask, 0 = background). */
export type Values = Float32Array | Float64Array | Int32Array;

export interface ProductInit {
  data: Values;
  /** Non-degenerate axis lengths, FITS order. */
  shape: number[];
  /**
   * The WCS of this product's own axes, if it has one: the HDU's, sliced to them (a squeezed Stokes
   * axis held at its pixel, a moment map's spectral axis dropped, a cut-out's start applied).
   */
  wcs?: WCS;
  unit: string;
  beam?: Beam;
  /** Per-channel beams (Cube only), from a BEAMS table. */
  beams?: Beam[];
  header: Header;
  /** Where it came from, for messages: "file.fits[0]". */
  source: string;
}

export abstract class Product {
  readonly data: Values;
  readonly shape: number[];
  readonly wcs?: WCS;
  readonly unit: string;
  readonly beam?: Beam;
  readonly header: Header;
  readonly source: string;
  protected readonly init: ProductInit;

  constructor(init: ProductInit) {
    this.init = init;
    this.data = init.data;
    this.shape = init.shape;
    this.wcs = init.wcs;
    this.unit = init.unit;
    this.beam = init.beam;
    this.header = init.header;
    this.source = init.source;
  }

  abstract get kind(): "Spectrum" | "Image" | "Cube";

  get [KIND](): "Spectrum" | "Image" | "Cube" {
    return this.kind;
  }

  /** A cell that ends in a product shows its shape, unit, beam and world extent; `visualize()` draws it. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": describeText(this), "text/html": describeHtml(this) };
  }

  [INSPECT](): string {
    return describeText(this);
  }

  /**
   * Other values on the same pixels, keeping the WCS, beam and header: a clump mask, a fitted model,
   * anything computed pixel by pixel from this product.
   */
  withData(data: Values, options: { unit?: string; source?: string } = {}): this {
    if (data.length !== this.data.length) throw new RangeError(`${this.source}: withData needs ${this.data.length} values, got ${data.length}`);
    const Kind = this.constructor as new (init: ProductInit) => this;
    return new Kind({ ...this.init, data, unit: options.unit ?? this.unit, source: options.source ?? this.source });
  }

  get size(): number {
    return this.data.length;
  }

  /** The value at a pixel (0-based, FITS order). */
  at(...pixel: number[]): number {
    const s = strides(this.shape);
    return this.data[pixel.reduce((flat, p, i) => flat + p * s[i], 0)];
  }

  statistics(): Statistics {
    return statistics(this.data);
  }

  /** Robust noise, 1.4826 × the median absolute deviation of the finite values. */
  noise(): number {
    return madStd(this.data);
  }

  /**
   * World coordinates of pixels given per axis of this product (0-based), one array per world axis
   * of its WCS (APE 14's low-level `pixel_to_world_values`).
   */
  pixelToWorldValues(...pixel: ArrayLike<number>[]): Float64Array[] {
    if (pixel.length !== this.shape.length) throw new RangeError(`${this.kind} has ${this.shape.length} axes, got ${pixel.length} coordinate arrays`);
    return this.requireWcs().pixelToWorldValues(...pixel);
  }

  /** The inverse: 0-based pixels of this product for world values given per world axis of its WCS. */
  worldToPixelValues(...world: ArrayLike<number>[]): Float64Array[] {
    const wcs = this.requireWcs();
    if (world.length !== wcs.worldNDim) throw new RangeError(`${this.source}'s WCS has ${wcs.worldNDim} world axes, got ${world.length} coordinate arrays`);
    return wcs.worldToPixelValues(...world);
  }

  private requireWcs(): WCS {
    if (!this.wcs) throw new Error(`${this.source} has no WCS`);
    return this.wcs;
  }

  /** This product's WCS sliced further (one entry per axis; see `WCS.slice`), for a product made from it. */
  protected slicedWcs(slices: readonly AxisSlice[]): WCS | undefined {
    return this.wcs?.slice(slices);
  }

  /** The index of the spectral axis among this product's axes, or -1. */
  get spectralAxis(): number {
    if (!this.wcs || this.wcs.axes.spec < 0) return -1;
    return this.wcs.pixelAxisOf(this.wcs.axes.spec);
  }

  /**
   * The spectral coordinate of every channel, in SI units of `kind` (Hz, m/s or m): by default the
   * kind of the header's axis, else converted with RESTFRQ/RESTWAV.
   */
  spectralValues(kind?: SpectralKind): Float64Array {
    const axis = this.spectralAxis;
    if (axis < 0 || !this.wcs) throw new Error(`${this.source} has no spectral axis`);
    const n = this.shape[axis];
    const pixel = this.shape.map(() => new Float64Array(n).fill(0));
    pixel[axis] = Float64Array.from({ length: n }, (_, k) => k);
    const values = this.pixelToWorldValues(...pixel)[this.wcs.axes.spec];
    const native = spectralKind(this.wcs.ctype[this.wcs.axes.spec]);
    if (!native) throw new Error(`${this.source}: spectral axis ${this.wcs.ctype[this.wcs.axes.spec]} is not one of FREQ, VRAD, VOPT, WAVE`);
    return convertSpectral(values, native, kind ?? native, { restfrq: this.wcs.restfrq, restwav: this.wcs.restwav });
  }

  /**
   * The kind this product's spectral axis is shown and integrated in by default: radio velocity for a
   * frequency axis with a rest frequency (a line), else the header's own; undefined without one.
   */
  get lineKind(): SpectralKind | undefined {
    if (this.spectralAxis < 0 || !this.wcs) return undefined;
    return lineKind(this.wcs.ctype[this.wcs.axes.spec], { restfrq: this.wcs.restfrq, restwav: this.wcs.restwav });
  }

  /** SI unit of spectral values of a kind. */
  static spectralUnit(kind: SpectralKind): string {
    return SPECTRAL_UNIT[kind];
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, shape: this.shape, unit: this.unit, beam: this.beam, source: this.source, wcs: this.wcs?.toJSON() };
  }
}

export class Spectrum extends Product {
  get kind(): "Spectrum" {
    return "Spectrum";
  }
}

export class Image extends Product {
  get kind(): "Image" {
    return "Image";
  }
}

export class Cube extends Product {
  readonly beams?: Beam[];

  constructor(init: ProductInit) {
    super(init);
    this.beams = init.beams;
  }

  get kind(): "Cube" {
    return "Cube";
  }

  private requireSpectral(): number {
    const axis = this.spectralAxis;
    if (axis < 0) throw new Error(`${this.source}: the cube has no spectral axis (CTYPE FREQ, VRAD, VOPT or WAVE)`);
    return axis;
  }

  private spatialAxes(): [number, number] {
    const spec = this.requireSpectral();
    return [0, 1, 2].filter((a) => a !== spec) as [number, number];
  }

  /** The spectrum at a spatial pixel (x, y in the order of the spatial axes). */
  spectrumAt(x: number, y: number): Spectrum {
    const spec = this.requireSpectral();
    const [ax, ay] = this.spatialAxes();
    if (!(x >= 0 && x < this.shape[ax] && y >= 0 && y < this.shape[ay])) throw new RangeError(`pixel (${x}, ${y}) is outside the ${this.shape[ax]} × ${this.shape[ay]} map`);
    const s = strides(this.shape);
    const n = this.shape[spec];
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = this.data[x * s[ax] + y * s[ay] + k * s[spec]];
    return new Spectrum({
      ...this.init,
      data: out,
      shape: [n],
      wcs: this.slicedWcs(this.shape.map((_, a) => (a === ax ? x : a === ay ? y : null))),
      source: `${this.source} at (${x}, ${y})`,
    });
  }

  /** The spectrum summed over the spatial pixels where `mask` (an ny × nx array, 1 = in) is set. */
  spectrumSum(mask: ArrayLike<number | boolean>): Spectrum {
    const spec = this.requireSpectral();
    const [ax, ay] = this.spatialAxes();
    const nx = this.shape[ax],
      ny = this.shape[ay];
    if (mask.length !== nx * ny) throw new RangeError(`the region mask has ${mask.length} pixels, the map ${nx * ny}`);
    const s = strides(this.shape);
    const out = new Float64Array(this.shape[spec]);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if (!mask[y * nx + x]) continue;
        for (let k = 0; k < out.length; k++) {
          const v = this.data[x * s[ax] + y * s[ay] + k * s[spec]];
          if (Number.isFinite(v)) out[k] += v;
        }
      }
    }
    return new Spectrum({
      ...this.init,
      data: out,
      shape: [out.length],
      wcs: this.slicedWcs(this.shape.map((_, a) => (a === spec ? null : 0))),
      source: `${this.source} summed over a region`,
    });
  }

  /** A sub-cube: `start` and `end` (exclusive) per axis. */
  subcube(start: number[], end: number[]): Cube {
    this.shape.forEach((n, a) => {
      if (!(0 <= start[a] && start[a] < end[a] && end[a] <= n)) throw new RangeError(`subcube: [${start[a]}, ${end[a]}) is outside axis ${a} of length ${n}`);
    });
    const shape = this.shape.map((_, a) => end[a] - start[a]);
    const s = strides(this.shape);
    const out = new Float64Array(shape[0] * shape[1] * shape[2]);
    let o = 0;
    for (let k = start[2]; k < end[2]; k++) {
      for (let j = start[1]; j < end[1]; j++) {
        const base = j * s[1] + k * s[2];
        for (let i = start[0]; i < end[0]; i++) out[o++] = this.data[base + i];
      }
    }
    const wcs = this.slicedWcs(start.map((s, a) => [s, end[a]]));
    return new Cube({ ...this.init, data: out, shape, wcs, source: `${this.source}[${start.map((a, i) => `${a}:${end[i]}`).join(",")}]` });
  }

  /** The channels whose spectral coordinate (in `kind`, SI units) lies within [lo, hi]. */
  spectralSlab(lo: number, hi: number, kind?: SpectralKind): Cube {
    const spec = this.requireSpectral();
    const values = this.spectralValues(kind);
    const inside = [...values.keys()].filter((k) => values[k] >= Math.min(lo, hi) && values[k] <= Math.max(lo, hi));
    if (inside.length === 0) throw new RangeError(`no channel of ${this.source} lies between ${lo} and ${hi}`);
    const start = this.shape.map(() => 0);
    const end = this.shape.slice();
    start[spec] = inside[0];
    end[spec] = inside[inside.length - 1] + 1;
    return this.subcube(start, end);
  }

  /**
   * Moment 0 (integrated intensity, in data unit × spectral unit), 1 (intensity-weighted mean
   * spectral coordinate) or 2 (intensity-weighted dispersion) along the spectral axis, in `kind`
   * (default: radio velocity for a line cube, a frequency axis with a rest frequency; else the
   * header's) and `unit` (default km/s for velocities, GHz for frequencies, µm for wavelengths).
   */
  moment(order: 0 | 1 | 2, kind?: SpectralKind, options: { unit?: string } = {}): Image {
    const spec = this.requireSpectral();
    const resolved = kind ?? this.lineKind!;
    const spectralUnit = options.unit ?? DISPLAY_UNIT[resolved];
    const scale = spectralScale(resolved, spectralUnit);
    const v = this.spectralValues(resolved).map((x) => x * scale);
    const dv = v.length > 1 ? Math.abs(v[1] - v[0]) : 1;
    const shape = this.shape.filter((_, a) => a !== spec);
    const count = shape[0] * shape[1];
    const sum = new Float64Array(count),
      weighted = new Float64Array(count);
    const label = `moment ${order}`;
    alongAxis(
      this.data,
      this.shape,
      spec,
      (o, x, k) => {
        sum[o] += x;
        weighted[o] += x * v[k];
      },
      label,
    );
    const data = new Float64Array(count);
    for (let o = 0; o < count; o++) data[o] = order === 0 ? sum[o] * dv : weighted[o] / sum[o];
    if (order === 2) {
      const spread = new Float64Array(count);
      alongAxis(this.data, this.shape, spec, (o, x, k) => (spread[o] += x * (v[k] - data[o]) ** 2), label);
      for (let o = 0; o < count; o++) data[o] = Math.sqrt(spread[o] / sum[o]);
    }
    const wcs = this.slicedWcs(this.shape.map((_, a) => (a === spec ? 0 : null)));
    const unit = order === 0 ? multiplyUnits(this.unit, spectralUnit) : normalizeUnit(spectralUnit);
    return new Image({ ...this.init, data, shape, wcs, unit, source: `moment ${order} of ${this.source}` });
  }

  /** Collapses an axis (default: the spectral one) with sum, mean, max, min or median of the finite values. */
  collapse(operation: "sum" | "mean" | "max" | "min" | "median", axis = this.requireSpectral()): Image {
    if (!["sum", "mean", "max", "min", "median"].includes(operation)) throw new RangeError(`collapse(${JSON.stringify(operation)}): use sum, mean, max, min or median`);
    if (operation === "median") {
      const { data, shape } = reduceAxis(this.data, this.shape, axis, medianOf, operation);
      return new Image({
        ...this.init,
        data,
        shape,
        wcs: this.slicedWcs(this.shape.map((_, a) => (a === axis ? 0 : null))),
        source: `${operation} of ${this.source}`,
      });
    }
    const shape = this.shape.filter((_, a) => a !== axis);
    const data = new Float64Array(shape[0] * shape[1]);
    const count = new Uint32Array(data.length);
    if (operation === "max") data.fill(-Infinity);
    if (operation === "min") data.fill(Infinity);
    const visit =
      operation === "max"
        ? (o: number, v: number) => {
            if (v > data[o]) data[o] = v;
            count[o]++;
          }
        : operation === "min"
          ? (o: number, v: number) => {
              if (v < data[o]) data[o] = v;
              count[o]++;
            }
          : (o: number, v: number) => {
              data[o] += v;
              count[o]++;
            };
    alongAxis(this.data, this.shape, axis, visit, operation);
    // A line with no finite value stays blank, so blanked regions stay blank in the map.
    for (let o = 0; o < data.length; o++) data[o] = count[o] === 0 ? NaN : operation === "mean" ? data[o] / count[o] : data[o];
    return new Image({
      ...this.init,
      data,
      shape,
      wcs: this.slicedWcs(this.shape.map((_, a) => (a === axis ? 0 : null))),
      source: `${operation} of ${this.source}`,
    });
  }

  /** A channel map. */
  plane(channel: number): Image {
    const spec = this.requireSpectral();
    const start = this.shape.map(() => 0);
    const end = this.shape.slice();
    start[spec] = channel;
    end[spec] = channel + 1;
    if (!(channel >= 0 && channel < this.shape[spec])) throw new RangeError(`channel ${channel} is outside the cube's ${this.shape[spec]} channels`);
    const one = this.subcube(start, end);
    return new Image({
      ...this.init,
      data: one.data,
      shape: this.shape.filter((_, a) => a !== spec),
      wcs: this.slicedWcs(this.shape.map((_, a) => (a === spec ? channel : null))),
      source: `channel ${channel} of ${this.source}`,
    });
  }

  /** Keeps the values where `keep` is true, NaN elsewhere (e.g. `const rms = cube.noise(); cube.mask((v) => v > 3 * rms)`). */
  mask(keep: (value: number, index: number) => boolean): Cube {
    const out = new Float64Array(this.data.length);
    this.data.forEach((v, i) => (out[i] = keep(v, i) ? v : NaN));
    return new Cube({ ...this.init, data: out });
  }

  /** Jy/beam to brightness temperature (K), channel by channel with each channel's frequency and beam. */
  toKelvin(): Cube {
    if (!/^jy\s*\/\s*beam$/i.test(this.unit.trim())) throw new Error(`${this.source}: toKelvin() converts Jy/beam, this cube is in ${JSON.stringify(this.unit)}`);
    const spec = this.requireSpectral();
    const freq = this.spectralValues("FREQ");
    const s = strides(this.shape);
    const out = new Float64Array(this.data.length);
    for (let i = 0; i < out.length; i++) {
      const k = Math.floor(i / s[spec]) % this.shape[spec];
      const beam = this.beams?.[k] ?? this.beam;
      if (!beam) throw new Error(`${this.source}: converting to K needs the beam (BMAJ/BMIN or a BEAMS table)`);
      out[i] = this.data[i] * jyPerBeamToKelvin(beam, freq[k]);
    }
    return new Cube({ ...this.init, data: out, unit: "K" });
  }
}

/** Kind checks that hold across copies of smoothy (see kinds.ts), for Spectrum, Image, Cube and any of them. */
export function isSpectrum(x: unknown): x is Spectrum {
  return kindOf(x) === "Spectrum";
}
export function isImage(x: unknown): x is Image {
  return kindOf(x) === "Image";
}
export function isCube(x: unknown): x is Cube {
  return kindOf(x) === "Cube";
}
export function isProduct(x: unknown): x is Spectrum | Image | Cube {
  return isSpectrum(x) || isImage(x) || isCube(x);
}
