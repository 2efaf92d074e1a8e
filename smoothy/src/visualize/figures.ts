/**
 * Plotly figures (plain {data, layout}) for spectra and images. World coordinates go on the axes: the
 * spectral axis in the unit astronomers expect (km/s for velocities, GHz for frequencies), celestial
 * axes as sexagesimal ticks. Big maps are block-averaged to at most `maxPixels` a side.
 */
import type { Image, Spectrum } from "../data/products.js";
import { DISPLAY_UNIT, spectralScale, type SpectralKind } from "../data/spectral.js";
import { downsample2d, percentiles } from "./downsample.js";
import { float32Json } from "./encode.js";
import { formatDec, formatRa } from "../wcs/sexagesimal.js";
import { stretchedColorscale, type Colorscale, type Stretch } from "./stretch.js";

export interface PlotlyFigure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

/** A product's source for a title: its files by name, not by path, so that titles fit narrow views. */
export function shortSource(source: string): string {
  return source.replace(/(^|[\s(])[^\s()]*\//g, "$1");
}

const TITLE: Record<SpectralKind, string> = { FREQ: "Frequency", VRAD: "Radio velocity", VOPT: "Optical velocity", WAVE: "Wavelength" };

export function spectrumFigure(spectrum: Spectrum, options: { kind?: SpectralKind } = {}): PlotlyFigure {
  let x: number[];
  let title = "Channel";
  const kind = options.kind ?? spectrum.lineKind;
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
      title: { text: shortSource(spectrum.source), x: 0, xanchor: "left", font: { size: 14 } },
      xaxis: { title: { text: title } },
      yaxis: { title: { text: spectrum.unit || "value" }, automargin: true },
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
  const world = image.pixelToWorldValues(px, py);
  const worldAxis = wcs.worldAxisOf(axis);
  if (worldAxis < 0) return undefined;
  const ctype = wcs.ctype[worldAxis].toUpperCase();
  const format = ctype.startsWith("RA") ? formatRa : ctype.startsWith("DEC") ? formatDec : (v: number) => `${v.toFixed(3)}°`;
  return { tickvals: tickvals.map((t) => t / factor), ticktext: Array.from(world[worldAxis], (v) => format(v)) };
}

const LEGEND_LEVELS = 8;

/** "RA", "Dec", "GLON"... as astropy's WCSAxes labels them, from the axis' CTYPE. */
function axisTitle(image: Image, axis: 0 | 1): string {
  const wcs = image.wcs!;
  const name = (wcs.ctype[wcs.worldAxisOf(axis)] ?? "").split("-")[0].trim();
  return (
    ({ RA: "RA", DEC: "Dec", GLON: "Galactic longitude", GLAT: "Galactic latitude", ELON: "Ecliptic longitude", ELAT: "Ecliptic latitude" } as Record<string, string>)[
      name.toUpperCase()
    ] ?? name
  );
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
  /** World-coordinate ticks per celestial axis (default 5). */
  ticks?: number;
  /** Contour levels in data units, drawn over the map; of `image` when given (same shape), else of the map itself. */
  contours?: number[] | { levels: number[]; image?: Image; color?: string };
}

export function imageFigure(image: Image, options: ImageFigureOptions = {}): PlotlyFigure {
  const [nx, ny] = image.shape;
  const max = options.maxPixels ?? 512;
  const small = downsample2d(image.data, nx, ny, max);
  const [zmin, zmax] = percentiles(small.data, ...(options.percentiles ?? [0.5, 99.5]));
  const xticks = celestialTicks(image, 0, options.ticks ?? 5, small.factor);
  const yticks = celestialTicks(image, 1, options.ticks ?? 5, small.factor);
  const colorscale = stretchedColorscale(options.colorscale ?? "Viridis", options.stretch ?? "linear");
  const colorbar: Record<string, unknown> = { title: { text: image.unit } };
  const data: Array<Record<string, unknown>> = [{ type: "heatmap", z: float32Json(small.data, [small.ny, small.nx]), zmin, zmax, colorscale, colorbar, hoverongaps: false }];
  if (options.contours) {
    const spec = Array.isArray(options.contours) ? { levels: options.contours } : options.contours;
    const of = spec.image ?? image;
    if (of.shape[0] !== nx || of.shape[1] !== ny) throw new RangeError(`contours: the image is ${of.shape.join(" × ")}, the map ${nx} × ${ny}`);
    const levels = [...spec.levels].sort((a, b) => a - b);
    const z = of === image ? small : downsample2d(of.data, nx, ny, max);
    // One trace per level: plotly's own levels are evenly spaced, astronomers' (3, 5, 10 σ) are not.
    // The legend lists at most LEGEND_LEVELS of them, so it always fits under the colour bar.
    const listed = levels.length <= LEGEND_LEVELS;
    levels.forEach((level, i) => {
      const name = listed ? `${level.toPrecision(3)} ${of.unit}` : `${levels.length} levels, ${levels[0].toPrecision(3)} to ${levels[levels.length - 1].toPrecision(3)} ${of.unit}`;
      data.push({
        type: "contour",
        z: float32Json(z.data, [z.ny, z.nx]),
        showscale: false,
        hoverinfo: "skip",
        name,
        showlegend: listed || i === 0,
        legendgroup: "contours",
        contours: { coloring: "none", start: level, end: level, size: 1 },
        line: { color: spec.color ?? "white", width: 1 },
      });
    });
    // The colour bar keeps the upper part of the right side, the legend the lower part.
    Object.assign(colorbar, { len: 0.6, y: 1, yanchor: "top" });
  }
  return {
    data,
    layout: {
      title: { text: shortSource(image.source) + (small.factor > 1 ? ` (shown ${small.factor}× binned)` : ""), x: 0, xanchor: "left", font: { size: 14 } },
      // automargin: the axis titles move out of the way of the tick labels, whatever their length.
      xaxis: { title: { text: xticks ? axisTitle(image, 0) : "x (pixel)" }, ...xticks, constrain: "domain", automargin: true },
      yaxis: { title: { text: yticks ? axisTitle(image, 1) : "y (pixel)" }, ...yticks, scaleanchor: "x", constrain: "domain", automargin: true },
      legend: { x: 1.02, xanchor: "left", y: 0, yanchor: "bottom", font: { size: 11 } },
      margin: { t: 40, r: 20, l: 20, b: 20 },
      height: 520,
    },
  };
}
