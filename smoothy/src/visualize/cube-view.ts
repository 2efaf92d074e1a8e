/**
 * What a cube view ships to the page: the volume, a moment-0 map (the maximum along the third axis
 * when the cube has no spectral axis) and a grid of binned spectra, 16-bit, so the spectrum under the
 * pointer is drawn in the page without asking the kernel. Each part has a bound, so the view stays
 * within its output budget whatever the cube's size.
 */
import type { Cube } from "../data/products.js";
import { DISPLAY_UNIT, spectralScale } from "../data/spectral.js";
import { downsample3d } from "./downsample.js";
import { imageFigure, type ImageFigureOptions, type PlotlyFigure } from "./figures.js";
import { volumeFactors, volumeSpec, type Transfer, type VolumeSpec } from "./volume.js";

export interface SpectraGrid {
  shape: [number, number, number];
  /** Cube pixels per grid cell along each axis. */
  factors: [number, number, number];
  /** value = low + step × stored; 65535 is NaN. */
  low: number;
  step: number;
  data: Uint16Array;
  /** The spectral coordinate of each binned channel, in `xTitle`'s unit. */
  x: number[];
  xTitle: string;
  unit: string;
}

export interface CubeViewSpec {
  volume: VolumeSpec;
  map: PlotlyFigure;
  /** Cube pixels per map pixel. */
  mapFactor: number;
  spectra: SpectraGrid;
}

export interface CubeViewOptions extends ImageFigureOptions {
  /** Largest side of the volume in voxels (default 80). */
  maxVoxels?: number;
  /** Volume rendering: maximum-intensity projection (default) or emission-absorption compositing. */
  transfer?: Transfer;
}

const SPECTRA_SIDE = 48;
const SPECTRA_CHANNELS = 128;

function spectraFactors(cube: Cube): [number, number, number] {
  const f = Math.max(1, Math.ceil(Math.max(cube.shape[0], cube.shape[1]) / SPECTRA_SIDE));
  return [f, f, Math.max(1, Math.ceil(cube.shape[2] / SPECTRA_CHANNELS))];
}

export function spectraGrid(cube: Cube, binned?: { data: Float64Array; shape: [number, number, number] }): SpectraGrid {
  const nz = cube.shape[2];
  const [f, , fz] = spectraFactors(cube);
  const { data: mean, shape } = binned ?? downsample3d(cube.data, cube.shape as [number, number, number], [f, f, fz])[0];
  let lo = Infinity,
    hi = -Infinity;
  for (const v of mean) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!Number.isFinite(lo)) (lo = 0), (hi = 1);
  const step = hi > lo ? (hi - lo) / 65534 : 1;
  const data = new Uint16Array(mean.length);
  for (let i = 0; i < mean.length; i++) data[i] = Number.isFinite(mean[i]) ? Math.round((mean[i] - lo) / step) : 65535;
  let x: number[],
    xTitle = "channel";
  const target = cube.spectralAxis === 2 ? cube.lineKind : undefined;
  if (target) {
    const scale = spectralScale(target, DISPLAY_UNIT[target]);
    const values = cube.spectralValues(target);
    x = Array.from({ length: shape[2] }, (_, k) => {
      const block = values.subarray(k * fz, Math.min(nz, (k + 1) * fz));
      return (block.reduce((a, b) => a + b, 0) / block.length) * scale;
    });
    xTitle = `${target === "FREQ" ? "frequency" : target === "WAVE" ? "wavelength" : "velocity"} (${DISPLAY_UNIT[target]})`;
  } else {
    x = Array.from({ length: shape[2] }, (_, k) => k * fz + (fz - 1) / 2);
  }
  return { shape, factors: [f, f, fz], low: lo, step, data, x, xTitle, unit: cube.unit };
}

export function cubeViewSpec(cube: Cube, options: CubeViewOptions = {}): CubeViewSpec {
  const map = cube.spectralAxis >= 0 ? cube.moment(0) : cube.collapse("max", 2);
  const maxPixels = options.maxPixels ?? 200;
  // The map shares its row with the volume: three ticks a side keep sexagesimal labels apart.
  const figure = imageFigure(map, { ticks: 3, ...options, maxPixels });
  figure.layout.height = 300;
  figure.layout.margin = { t: 30, l: 10, r: 10, b: 10 };
  (figure.layout.title as { text: string }).text = cube.spectralAxis >= 0 ? "moment 0 (hover for the spectrum)" : "maximum (hover for the profile)";
  const maxSide = options.maxVoxels ?? 80;
  // The volume and the spectra are binned in one pass over the cube.
  const [volume, spectra] = downsample3d(cube.data, cube.shape as [number, number, number], volumeFactors(cube, maxSide), spectraFactors(cube));
  return {
    volume: volumeSpec(cube, { maxSide, transfer: options.transfer, binned: [volume] }),
    map: figure,
    mapFactor: Math.max(1, Math.ceil(Math.max(cube.shape[0], cube.shape[1]) / maxPixels)),
    spectra: spectraGrid(cube, spectra),
  };
}
