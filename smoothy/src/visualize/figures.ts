/**
 * Plotly figures (plain {data, layout}) for spectra and images. World coordinates go on the axes: the
 * spectral axis in the unit astronomers expect (km/s for velocities, GHz for frequencies), celestial
 * axes as sexagesimal ticks. Big maps are block-averaged to at most `maxPixels` a side.
 */
import type { Image, Spectrum } from "../data/products.js";
import { DISPLAY_UNIT, spectralKind, spectralScale, type SpectralKind } from "../data/spectral.js";
import { downsample2d, percentiles } from "./downsample.js";
import { float32Json } from "./encode.js";
import { formatDec, formatRa } from "./sexagesimal.js";
import { stretchedColorscale, type Colorscale, type Stretch } from "./stretch.js";

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

export interface ImageFigureOptions {
  /** Largest side, in pixels, of the map sent to the page (default 512): bigger maps are block-averaged. */
  maxPixels?: number;
  /** A plotly scale name (Viridis, Greys, Hot, RdBu, ...) or [[0, colour], ..., [1, colour]]. */
  colorscale?: Colorscale;
  /** Display stretch (default linear). */
  stretch?: Stretch;
  /** Percentiles of the finite values mapped to the ends of the colour scale (default [0.5, 99.5]). */
  percentiles?: [number, number];
  /** Contour levels in data units, drawn over the map; of `image` when given (same shape), else of the map itself. */
  contours?: number[] | { levels: number[]; image?: Image; color?: string };
}

export function imageFigure(image: Image, options: ImageFigureOptions = {}): PlotlyFigure {
  const [nx, ny] = image.shape;
  const max = options.maxPixels ?? 512;
  const small = downsample2d(image.data, nx, ny, max);
  const [zmin, zmax] = percentiles(small.data, ...(options.percentiles ?? [0.5, 99.5]));
  const xticks = celestialTicks(image, 0, 5, small.factor);
  const yticks = celestialTicks(image, 1, 5, small.factor);
  const colorscale = stretchedColorscale(options.colorscale ?? "Viridis", options.stretch ?? "linear");
  const data: Array<Record<string, unknown>> = [
    { type: "heatmap", z: float32Json(small.data, [small.ny, small.nx]), zmin, zmax, colorscale, colorbar: { title: { text: image.unit } }, hoverongaps: false },
  ];
  if (options.contours) {
    const spec = Array.isArray(options.contours) ? { levels: options.contours } : options.contours;
    const of = spec.image ?? image;
    if (of.shape[0] !== nx || of.shape[1] !== ny) throw new RangeError(`contours: the image is ${of.shape.join(" × ")}, the map ${nx} × ${ny}`);
    const levels = [...spec.levels].sort((a, b) => a - b);
    const z = of === image ? small : downsample2d(of.data, nx, ny, max);
    // One trace per level: plotly's own levels are evenly spaced, astronomers' (3, 5, 10 σ) are not.
    for (const level of levels) {
      data.push({ type: "contour", z: float32Json(z.data, [z.ny, z.nx]), showscale: false, hoverinfo: "skip", name: `${level.toPrecision(3)} ${of.unit}`,
        contours: { coloring: "none", start: level, end: level, size: 1 }, line: { color: spec.color ?? "white", width: 1 } });
    }
  }
  return {
    data,
    layout: {
      title: { text: image.source + (small.factor > 1 ? ` (shown ${small.factor}× binned)` : "") },
      xaxis: { title: { text: xticks ? image.wcs!.ctype[image.worldAxes[0]].split("-")[0] : "x (pixel)" }, ...xticks, constrain: "domain" },
      yaxis: { title: { text: yticks ? image.wcs!.ctype[image.worldAxes[1]].split("-")[0] : "y (pixel)" }, ...yticks, scaleanchor: "x", constrain: "domain" },
      margin: { t: 40 },
      height: 520,
    },
  };
}
