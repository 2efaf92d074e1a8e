/**
 * `findRegions(cube)`: ACALib's RoISE (Araya et al. 2016; SPEC §8): the channel ranges where a
 * sketch of random spectra shows emission, and in the channel sum of each range the regions found by
 * Gaussian multiscale segmentation, with their shape. Not a clump finder: regions are 2-D, one
 * row per region and per segmentation scale (the same source usually appears at several scales).
 *
 * Where this departs from ACALib, for determinism or sense (the algorithm is otherwise followed step
 * by step, including the two quirks of the channel-range loop):
 * - the sketch draws its pixels with mulberry32 seeded by `randomState` (default 0), not NumPy's
 *   RandomState: runs are reproducible (ACALib's default is unseeded), ACALib's draws are not;
 * - non-finite values count as 0 in the sketch and the segmentation, and are skipped in the
 *   intensity statistics (ACALib lets NaNs spread through the sums);
 * - the disks are centred on a pixel for every radius (skimage's disk(12.5) is 26 × 26, off-centre);
 * - the bumps subtracted between scales are Gaussians (gms.ts says which);
 * - frequencies are those of the first and last channel of the range (ACALib's metadata is one
 *   channel off: it converts 0-based channels with origin 1, and uses `stop`, past the range);
 * - centroids are x, y (ACALib's `CentroidRa`, `CentroidDec` hold row, column) plus RA/Dec from
 *   the WCS, and axes are semi-axes in pixels (ACALib's are full lengths).
 */
import type { Cube, Image } from "../data/products.js";
import { progress } from "../common/progress.js";
import { gms, GmsWorkspace } from "./gms.js";
import { mulberry32 } from "../common/random.js";
import { channelRanges, spectralSketch, type Layout } from "./sketch.js";

export interface FindRegionsOptions {
  /** SAMPLES: random spatial pixels (with replacement) in the spectral sketch. Default 1000. */
  samples?: number;
  /** RANDOM_STATE: seed of the sketch's generator. Default 0 (ACALib's default is unseeded). */
  randomState?: number;
  /** P: quantile of the background and foreground levels when choosing the window. Default 0.05. */
  p?: number;
  /** PRECISION: the smallest opening radius, as a fraction of the smaller image size. Default 0.02. */
  precision?: number;
  /**
   * The index of the channel axis among the cube's axes. Default: the WCS's spectral axis; a cube
   * without WCS is taken as ACALib's (channel, y, x) array, i.e. axis 2 (NAXIS3).
   */
  spectralAxis?: number;
  signal?: AbortSignal;
}

export interface RegionRange {
  /** First channel. */
  start: number;
  /** One past the last channel. */
  stop: number;
  /** Lowest and highest frequency of the range's channel centres (Hz); NaN without a spectral WCS. */
  minFrequencyHz: number;
  maxFrequencyHz: number;
  /** Sum of the range's channels (finite values; NaN where none), on the cube's celestial pixels and WCS. */
  stacked: Image;
  /** One labelled image per scale (x fastest, like `stacked`; 0 = background): `stacked.withData(labels[i])` makes it an Image. */
  labels: Int32Array[];
  /** The opening radius (pixels) of each scale. */
  scales: number[];
}

export interface Region {
  /** Index of the range in `ranges`. */
  range: number;
  start: number;
  stop: number;
  minFrequencyHz: number;
  maxFrequencyHz: number;
  /** Index of the scale (its labelled image) in the range, and its opening radius in pixels. */
  scale: number;
  scaleRadius: number;
  /** The region's number in that labelled image. */
  label: number;
  /** Centroid, 0-based pixels. */
  x: number;
  y: number;
  /** Centroid in degrees from the WCS; NaN without celestial WCS. */
  ra: number;
  dec: number;
  /** Semi-axes of the ellipse with the region's second moments, pixels. */
  semiMajor: number;
  semiMinor: number;
  /** Major axis angle, degrees counter-clockwise from +x towards +y, in (−90, 90]. */
  orientation: number;
  /** Pixels. */
  area: number;
  eccentricity: number;
  solidity: number;
  filledFraction: number;
  /** Of the stacked image over the region, in the cube's unit (summed over the channels). */
  minIntensity: number;
  maxIntensity: number;
  meanIntensity: number;
}

export interface RegionsResult {
  /** The ranges with at least one region (ACALib drops the others). */
  ranges: RegionRange[];
  regions: Region[];
  /** Every range the sketch gave, with or without regions. */
  candidateRanges: Array<{ start: number; stop: number }>;
  /** The filtered sum of the sampled spectra. */
  sketch: Float64Array;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`findRegions: ${name} must be a positive integer, got ${value}`);
  return value;
}

function fraction(name: string, value: number, max: number): number {
  if (!(value > 0 && value < max)) throw new RangeError(`findRegions: ${name} must lie in (0, ${max}), got ${value}`);
  return value;
}

function channelAxisOf(cube: Cube, requested: number | undefined): number {
  if (requested !== undefined) {
    if (![0, 1, 2].includes(requested)) throw new RangeError(`findRegions: spectralAxis must be 0, 1 or 2, got ${requested}`);
    return requested;
  }
  if (!cube.wcs) return 2;
  const axis = cube.spectralAxis;
  if (axis >= 0) return axis;
  const ctypes = cube.wcs.ctype.map((c) => c || "(none)").join(", ");
  throw new Error(
    `findRegions: ${cube.source} has a WCS without a spectral axis (CTYPE FREQ, VRAD, VOPT or WAVE; its axes are ${ctypes}): pass { spectralAxis } to name the channel axis`,
  );
}

/** Frequencies (Hz) of every channel, or undefined without a usable spectral WCS. */
function frequencies(cube: Cube, axis: number): Float64Array | undefined {
  if (!cube.wcs || cube.spectralAxis !== axis) return undefined;
  try {
    return cube.spectralValues("FREQ");
  } catch {
    return undefined; // e.g. a velocity axis without a rest frequency
  }
}

/**
 * Finds RoISE's regions of interest in `cube`. See RegionsResult; `regionsTable(result.regions)`
 * gives the catalogue's columns and CSV.
 */
export function findRegions(cube: Cube, options: FindRegionsOptions = {}): RegionsResult {
  const kind = (cube as { kind?: string } | null)?.kind;
  if (kind !== "Cube" || cube.shape.length !== 3) {
    const what = kind ? `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind} with ${cube.shape?.length} axes` : String(cube);
    throw new TypeError(`findRegions needs a Cube (3 axes: two spatial, one spectral), got ${what}: RoISE finds emission along the channels first`);
  }
  const samples = positiveInteger("samples", options.samples ?? 1000);
  const seed = options.randomState ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`findRegions: randomState must be an integer, got ${seed}`);
  const p = fraction("p", options.p ?? 0.05, 0.5);
  const precision = fraction("precision", options.precision ?? 0.02, 1);
  const spec = channelAxisOf(cube, options.spectralAxis);
  const [ax, ay] = [0, 1, 2].filter((a) => a !== spec);
  const strides = [1, cube.shape[0], cube.shape[0] * cube.shape[1]];
  const layout: Layout = { nx: cube.shape[ax], ny: cube.shape[ay], nz: cube.shape[spec], sx: strides[ax], sy: strides[ay], sz: strides[spec] };
  const { nx, ny, nz } = layout;
  const data = cube.data;

  const bar = progress("RoISE", samples + nz, options.signal);
  const sketch = spectralSketch(data, layout, samples, mulberry32(seed), (k) => bar.update(k));
  const done = samples; // progress units: sampled spectra, then channels
  const candidateRanges = channelRanges(sketch);
  const freq = frequencies(cube, spec);

  const ws = new GmsWorkspace(nx, ny);
  const ranges: RegionRange[] = [];
  const regions: Region[] = [];
  // A one-channel slab collapsed gives an Image with the cube's celestial pixels and WCS; the sum
  // itself is formed here, in one pass over the range.
  const first = cube.shape.map(() => 0),
    end = cube.shape.slice();
  end[spec] = 1;
  const template = cube.subcube(first, end).collapse("sum", spec);
  for (const { start, stop } of candidateRanges) {
    const sum = stack(data, layout, start, stop, (c) => bar.update(done + c));
    const scales = gms(sum, sum, ws, { p, precision, step: () => bar.update(done + start) });
    const found = scales.reduce((n, s) => n + s.regions.length, 0);
    if (found === 0) continue;
    const index = ranges.length;
    const stacked = template.withData(sum, { source: `channels ${start}:${stop} of ${cube.source} summed` });
    const [f0, f1] = freq ? [freq[start], freq[stop - 1]] : [NaN, NaN];
    const minFrequencyHz = Math.min(f0, f1),
      maxFrequencyHz = Math.max(f0, f1);
    ranges.push({ start, stop, minFrequencyHz, maxFrequencyHz, stacked, labels: scales.map((s) => s.labels), scales: scales.map((s) => s.radius) });
    const rows = scales.flatMap((s, scale) => s.regions.map((r) => ({ r, scale, radius: s.radius })));
    const [ra, dec] = celestial(
      stacked,
      rows.map((row) => row.r.x),
      rows.map((row) => row.r.y),
    );
    rows.forEach(({ r, scale, radius }, k) => {
      regions.push({
        range: index,
        start,
        stop,
        minFrequencyHz,
        maxFrequencyHz,
        scale,
        scaleRadius: radius,
        label: r.label,
        x: r.x,
        y: r.y,
        ra: ra[k],
        dec: dec[k],
        semiMajor: r.semiMajor,
        semiMinor: r.semiMinor,
        orientation: r.orientation,
        area: r.area,
        eccentricity: r.eccentricity,
        solidity: r.solidity,
        filledFraction: r.filledFraction,
        minIntensity: r.minIntensity,
        maxIntensity: r.maxIntensity,
        meanIntensity: r.meanIntensity,
      });
    });
  }
  bar.finish();
  return { ranges, regions, candidateRanges, sketch };
}

/**
 * The sum of channels [start, stop) over their finite values, NaN where a pixel has none (as
 * `collapse("sum")`); one sequential pass when channel planes are contiguous.
 */
function stack(data: ArrayLike<number>, layout: Layout, start: number, stop: number, step: (channel: number) => void): Float64Array {
  const { nx, ny, sx, sy, sz } = layout;
  const sum = new Float64Array(nx * ny);
  const seen = new Uint8Array(nx * ny);
  const contiguous = sx === 1 && sy === nx;
  for (let c = start; c < stop; c++) {
    step(c);
    const base = c * sz;
    for (let y = 0, i = 0; y < ny; y++) {
      let at = base + y * sy;
      for (let x = 0; x < nx; x++, i++, at += sx) {
        const v = data[contiguous ? base + i : at];
        if (Number.isFinite(v)) {
          sum[i] += v;
          seen[i] = 1;
        }
      }
    }
  }
  for (let i = 0; i < sum.length; i++) if (!seen[i]) sum[i] = NaN;
  return sum;
}

/** RA and Dec (degrees) of pixel positions of a 2-D product; NaN without a celestial WCS. */
function celestial(image: Image, x: number[], y: number[]): [Float64Array, Float64Array] {
  const nan = () => new Float64Array(x.length).fill(NaN);
  const wcs = image.wcs;
  if (!wcs || x.length === 0) return [nan(), nan()];
  const { lng, lat } = wcs.axes;
  if (lng < 0 || lat < 0) return [nan(), nan()];
  const world = image.pixelToWorldValues(x, y);
  return [world[lng], world[lat]];
}
