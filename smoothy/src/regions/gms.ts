/**
 * ACALib's Gaussian multiscale segmentation (GMS, SPEC §8.2 step 3) of a channel-summed image:
 * a window chosen by how well a local-mean threshold agrees with the P and 1 − P quantiles, then
 * openings with disks of halving radii, each giving a labelled image, the regions found at one scale
 * being subtracted as smooth bumps before the next.
 */
import { MorphologyWorkspace } from "./morphology.js";
import { PropertiesWorkspace, type RegionProperties } from "./properties.js";
import { oddBlock, percentileSorted, roundHalfEven, ThresholdWorkspace } from "./threshold.js";

export interface Scale {
  /** Radius of the opening disk, pixels. */
  radius: number;
  labels: Int32Array;
  regions: RegionProperties[];
}

export interface GmsOptions {
  p: number;
  precision: number;
  /** Called between steps (progress and cancellation). */
  step?: () => void;
}

/** Bumps are Gaussians of σ = this × the region's equivalent radius, cut at 3σ. */
export const BUMP_SIGMA = 0.5;

/** Scratch arrays for one image size, reused across the ranges of a cube. */
export class GmsWorkspace {
  readonly threshold: ThresholdWorkspace;
  readonly morphology: MorphologyWorkspace;
  readonly properties: PropertiesWorkspace;
  readonly mask: Uint8Array;
  readonly opened: Uint8Array;
  readonly background: Float64Array;
  readonly sorted: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
  ) {
    this.threshold = new ThresholdWorkspace(nx, ny);
    this.morphology = new MorphologyWorkspace(nx, ny);
    this.properties = new PropertiesWorkspace(nx, ny);
    this.mask = new Uint8Array(nx * ny);
    this.opened = new Uint8Array(nx * ny);
    this.background = new Float64Array(nx * ny);
    this.sorted = new Float64Array(nx * ny);
  }
}

/** (a − min) / (max − min) in place; false when the image is constant. */
function normalise(a: Float64Array): boolean {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  if (!(hi > lo)) return false;
  const scale = 1 / (hi - lo);
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - lo) * scale;
  return true;
}

/**
 * ACALib's `_optimal_w`: radii from 5 % to 40 % of the larger size in steps of 1 % (one "unit" =
 * round(size / 100) pixels, at least 1 here: ACALib loops forever below 50 pixels), capped at a
 * quarter of the smaller size; the radius whose threshold (block r², made odd) puts fewest pixels on
 * the side of the nearer quantile level wins, the first on ties. When no radius fits under the cap
 * (images under 20 pixels; ACALib fails there) the cap itself is used.
 */
export function optimalWindow(f: Float64Array, ws: GmsWorkspace, p: number, step?: () => void): number {
  const { nx, ny, sorted, mask } = ws;
  const unit = Math.max(1, roundHalfEven(Math.max(nx, ny) / 100));
  const radiusMin = 5 * unit;
  const radiusMax = Math.trunc(Math.min(40 * unit, roundHalfEven(Math.min(nx, ny) / 4)));
  sorted.set(f);
  sorted.sort();
  const bg = percentileSorted(sorted, p * 100);
  const fg = percentileSorted(sorted, (1 - p) * 100);
  let best = -1,
    bestCount = nx * ny;
  for (let radius = radiusMin; radius <= radiusMax; radius += unit) {
    step?.();
    ws.threshold.threshold(f, oddBlock(radius), mask);
    let count = 0;
    for (let i = 0; i < f.length; i++) {
      const toBg = Math.abs(f[i] - bg),
        toFg = Math.abs(f[i] - fg);
      if (mask[i] ? toBg < toFg : toBg > toFg) count++;
    }
    if (count < bestCount) {
      best = radius;
      bestCount = count;
    }
  }
  return best > 0 ? best : Math.max(1, radiusMax);
}

/**
 * Adds a Gaussian bump (peak 1, σ = BUMP_SIGMA × equivalent radius, cut at 3σ) at each region's
 * centroid into `background`, taking the maximum where bumps overlap. ACALib draws a flat-topped
 * kernel (exp(exp(box-smoothed ones)), rescaled to [0, 1]) in a square of side twice the equivalent
 * radius and overwrites where squares overlap; the Gaussian is the smooth, order-independent
 * version of that, falling to e⁻² ≈ 0.14 at the equivalent radius.
 */
function drawBumps(background: Float64Array, nx: number, ny: number, regions: RegionProperties[]): void {
  for (const r of regions) {
    const sigma = Math.max(0.5, BUMP_SIGMA * r.equivalentRadius);
    const reach = 3 * sigma;
    const k = -1 / (2 * sigma * sigma);
    const x0 = Math.max(0, Math.ceil(r.x - reach)),
      x1 = Math.min(nx - 1, Math.floor(r.x + reach));
    const y0 = Math.max(0, Math.ceil(r.y - reach)),
      y1 = Math.min(ny - 1, Math.floor(r.y + reach));
    for (let y = y0; y <= y1; y++) {
      const dy2 = (y - r.y) ** 2;
      for (let x = x0; x <= x1; x++) {
        const v = Math.exp(k * ((x - r.x) ** 2 + dy2));
        const i = y * nx + x;
        if (v > background[i]) background[i] = v;
      }
    }
  }
}

/**
 * The segmentation of `image` (x fastest; non-finite values count as 0, as ACALib's): one Scale per
 * opening radius, largest first. `intensity` is the image the region statistics are measured on.
 * A constant image gives no scales.
 */
export function gms(image: ArrayLike<number>, intensity: ArrayLike<number>, ws: GmsWorkspace, options: GmsOptions): Scale[] {
  const { nx, ny, mask, opened, background } = ws;
  const { step } = options;
  const diff = new Float64Array(nx * ny);
  for (let i = 0; i < diff.length; i++) {
    const v = image[i];
    diff[i] = Number.isFinite(v) ? v : 0;
  }
  if (!normalise(diff)) return [];
  const w = optimalWindow(diff, ws, options.p, step);
  ws.threshold.threshold(diff, oddBlock(w), mask);
  let r = w / 2;
  const rMin = 2 * roundHalfEven(Math.min(nx, ny) * options.precision);
  const scales: Scale[] = [];
  while (r > rMin) {
    step?.();
    ws.morphology.opening(mask, r, opened);
    const labels = new Int32Array(nx * ny);
    const count = ws.morphology.label(opened, labels);
    const regions = ws.properties.measure(labels, count, intensity);
    scales.push({ radius: r, labels, regions });
    const next = roundHalfEven(r / 2);
    // The re-threshold only feeds the next scale: skipped after the last one.
    if (!(next > rMin)) break;
    background.fill(0);
    drawBumps(background, nx, ny, regions);
    if (normalise(background)) for (let i = 0; i < diff.length; i++) diff[i] -= background[i];
    if (!normalise(diff)) break;
    ws.threshold.threshold(diff, oddBlock(r), mask);
    r = next;
  }
  return scales;
}
