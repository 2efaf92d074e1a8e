/**
 * Plotly figures (plain {data, layout}) for spectra and images. World coordinates go on the axes: the
 * spectral axis in the unit astronomers expect (km/s for velocities, GHz for frequencies), celestial
 * axes as sexagesimal ticks. Big maps are block-averaged to at most `maxPixels` a side.
 */
import type { Image, Spectrum } from "../data/products.js";
import { DISPLAY_UNIT, spectralKind, spectralScale, type SpectralKind } from "../data/spectral.js";
import { downsample2d, percentiles } from "./downsample.js";
import { formatDec, formatRa } from "./sexagesimal.js";

export interface PlotlyFigure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

const TITLE: Record<SpectralKind, string> = { FREQ: "Frequency", VRAD: "Radio velocity", VOPT: "Optical velocity", WAVE: "Wavelength" };

export function spectrumFigure(spectrum: Spectrum, options: { kind?: SpectralKind } = {}): PlotlyFigure {
  let x: number[];
  let title = "Channel";
  const native = spectrum.wcs && spectrum.spectralAxis >= 0 ? spectralKind(spectrum.wcs.ctype[spectrum.wcs.axes.spec]) : undefined;
  const kind = options.kind ?? (native === "FREQ" && (spectrum.wcs?.restfrq ?? 0) > 0 ? "VRAD" : native);
  if (kind) {
    const scale = spectralScale(kind, DISPLAY_UNIT[kind]);
    x = Array.from(spectrum.spectralValues(kind), (v) => v * scale);
    title = `${TITLE[kind]} (${DISPLAY_UNIT[kind].replace("um", "µm")})`;
  } else {
    x = Array.from({ length: spectrum.size }, (_, i) => i);
  }
  return {
    data: [{ type: "scatter", mode: "lines", line: { shape: "hvh", width: 1.5 }, x, y: Array.from(spectrum.data, (v) => (Number.isFinite(v) ? v : null)), name: spectrum.source }],
    layout: {
      title: { text: spectrum.source },
      xaxis: { title: { text: title } },
      yaxis: { title: { text: spectrum.unit || "value" } },
      margin: { t: 40, r: 20 },
      height: 380,
    },
  };
}

function celestialTicks(image: Image, axis: 0 | 1, n: number, factor: number): { tickvals: number[]; ticktext: string[] } | undefined {
  const wcs = image.wcs;
  if (!wcs?.hasCelestial) return undefined;
  const [nx, ny] = image.shape;
  const length = image.shape[axis];
  const tickvals = Array.from({ length: n }, (_, i) => Math.round(((i + 0.5) / n) * (length - 1)));
  const px = tickvals.map((t) => (axis === 0 ? t : (nx - 1) / 2));
  const py = tickvals.map((t) => (axis === 1 ? t : (ny - 1) / 2));
  const world = image.pixelToWorld(px, py);
  const ctype = wcs.ctype[image.worldAxes[axis]].toUpperCase();
  const format = ctype.startsWith("RA") ? formatRa : ctype.startsWith("DEC") ? formatDec : (v: number) => `${v.toFixed(3)}°`;
  return { tickvals: tickvals.map((t) => t / factor), ticktext: Array.from(world[axis], (v) => format(v)) };
}

export function imageFigure(image: Image, options: { maxPixels?: number; colorscale?: string; stretch?: [number, number] } = {}): PlotlyFigure {
  const [nx, ny] = image.shape;
  const small = downsample2d(image.data, nx, ny, options.maxPixels ?? 1024);
  const [zmin, zmax] = percentiles(small.data, ...(options.stretch ?? [0.5, 99.5]));
  const z: Array<Array<number | null>> = [];
  for (let y = 0; y < small.ny; y++) z.push(Array.from(small.data.subarray(y * small.nx, (y + 1) * small.nx), (v) => (Number.isFinite(v) ? v : null)));
  const xticks = celestialTicks(image, 0, 5, small.factor);
  const yticks = celestialTicks(image, 1, 5, small.factor);
  return {
    data: [{ type: "heatmap", z, zmin, zmax, colorscale: options.colorscale ?? "Viridis", colorbar: { title: { text: image.unit } }, hoverongaps: false }],
    layout: {
      title: { text: image.source + (small.factor > 1 ? ` (shown ${small.factor}× binned)` : "") },
      xaxis: { title: { text: xticks ? image.wcs!.ctype[image.worldAxes[0]].split("-")[0] : "x (pixel)" }, ...xticks, constrain: "domain" },
      yaxis: { title: { text: yticks ? image.wcs!.ctype[image.worldAxes[1]].split("-")[0] : "y (pixel)" }, ...yticks, scaleanchor: "x", constrain: "domain" },
      margin: { t: 40 },
      height: 520,
    },
  };
}
