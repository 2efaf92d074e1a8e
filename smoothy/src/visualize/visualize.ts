/**
 * `visualize(x)`: the right view of any FITS product. A spectrum is a line plot on its spectral axis,
 * an image a map with celestial axes, a cube a volume (and its moment-0 map), a table its rows; an
 * HDUList, an HDU or a path is loaded first.
 */
import { isHDU, type HDU } from "../fits/hdu.js";
import { isHDUList, type HDUList } from "../fits/hdulist.js";
import { isTable, type Table } from "../fits/table.js";
import { load } from "../data/load.js";
import { isCube, isImage, isSpectrum, type Cube, type Image, type Spectrum } from "../data/products.js";
import type { SpectralKind } from "../data/spectral.js";
import { cubeViewSpec, type CubeViewOptions } from "./cube-view.js";
import { imageFigure, spectrumFigure } from "./figures.js";
import { View } from "./view.js";

/**
 * Every choice `visualize` makes can be overridden here. Map options (maxPixels, colorscale,
 * stretch, percentiles, contours) apply to images and to a cube's moment-0 map.
 */
export interface VisualizeOptions extends CubeViewOptions {
  /** Spectral axis for spectra: FREQ, VRAD, VOPT or WAVE (default: velocity when a rest frequency is known). */
  spectral?: SpectralKind;
  /** Cubes: "volume" (default: the volume beside its moment-0 map and spectra) or "moment0" (the map alone). */
  cube?: "volume" | "moment0";
  /** Also write the view as a standalone page (it works offline: the libraries are inside it). */
  out?: string;
}

type Visualizable = Spectrum | Image | Cube | Table | HDU | HDUList | string;

export async function visualize(x: Visualizable, options: VisualizeOptions = {}): Promise<View> {
  const view = await viewOf(x, options);
  if (options.out) await view.save(options.out);
  return view;
}

async function viewOf(x: Visualizable, options: VisualizeOptions): Promise<View> {
  if (typeof x === "string" || isHDUList(x)) return viewOf(await load(x), options);
  if (isHDU(x)) {
    if (x.kind === "BinTableHDU" || x.kind === "TableHDU") return viewOf(await x.table(), options);
    return viewOf(await load(x), options);
  }
  if (isSpectrum(x)) return new View({ kind: "plotly", figure: spectrumFigure(x, { kind: options.spectral }) }, `Spectrum of ${x.size} channels: ${x.source}`);
  if (isImage(x)) {
    return new View({ kind: "plotly", figure: imageFigure(x, options) }, `Image ${x.shape.join(" × ")}: ${x.source}`);
  }
  if (isCube(x)) {
    if (options.cube === "moment0") return viewOf(x.spectralAxis < 0 ? x.collapse("max", 2) : x.moment(0), options);
    return new View({ kind: "cube", cube: cubeViewSpec(x, options) }, `Cube ${x.shape.join(" × ")}: ${x.source}`);
  }
  if (isTable(x)) {
    const bundle = x.toMimeBundle();
    return new View({ kind: "html", html: bundle["text/html"], text: bundle["text/plain"] }, bundle["text/plain"]);
  }
  throw new TypeError(`visualize: cannot show ${Object.prototype.toString.call(x)}; pass a Spectrum, Image, Cube, Table, HDUList or a FITS path`);
}
