/**
 * `visualize(x)`: the right view of any FITS product. A spectrum is a line plot on its spectral axis,
 * an image a map with celestial axes, a cube a volume (and its moment-0 map), a table its rows; an
 * HDUList, an HDU or a path is loaded first.
 */
import { HDU } from "../fits/hdu.js";
import { HDUList } from "../fits/hdulist.js";
import { Table } from "../fits/table.js";
import { load } from "../data/load.js";
import { Cube, Image, Spectrum } from "../data/products.js";
import type { SpectralKind } from "../data/spectral.js";
import { imageFigure, spectrumFigure } from "./figures.js";
import { View } from "./view.js";
import { volumeSpec } from "./volume.js";

export interface VisualizeOptions {
  /** Spectral axis for spectra: FREQ, VRAD, VOPT or WAVE (default: velocity when a rest frequency is known). */
  spectral?: SpectralKind;
  /** Largest side, in pixels, of a map (default 1024) or, in voxels, of a volume (default 96). */
  maxPixels?: number;
  colorscale?: string;
  /** Cubes: "volume" (default) or "moment0". */
  cube?: "volume" | "moment0";
}

type Visualizable = Spectrum | Image | Cube | Table | HDU | HDUList | string;

export async function visualize(x: Visualizable, options: VisualizeOptions = {}): Promise<View> {
  if (typeof x === "string" || x instanceof HDUList) return visualize(await load(x), options);
  if (x instanceof HDU) {
    if (x.kind === "BinTableHDU" || x.kind === "TableHDU") return visualize(await x.table(), options);
    throw new TypeError("visualize(hdu): pass the HDUList (or the file's path), so the product keeps its beams and WCS");
  }
  if (x instanceof Spectrum) return new View({ kind: "plotly", figure: spectrumFigure(x, { kind: options.spectral }) }, `Spectrum of ${x.size} channels: ${x.source}`);
  if (x instanceof Image) {
    return new View({ kind: "plotly", figure: imageFigure(x, { maxPixels: options.maxPixels, colorscale: options.colorscale }) }, `Image ${x.shape.join(" × ")}: ${x.source}`);
  }
  if (x instanceof Cube) {
    if (options.cube === "moment0" || x.spectralAxis < 0) return visualize(x.spectralAxis < 0 ? x.collapse("max", 2) : x.moment(0), options);
    return new View({ kind: "volume", volume: volumeSpec(x, { maxSide: options.maxPixels ?? 96 }) }, `Cube ${x.shape.join(" × ")}: ${x.source}`);
  }
  if (x instanceof Table) {
    const bundle = x.toMimeBundle();
    return new View({ kind: "html", html: bundle["text/html"], text: bundle["text/plain"] }, bundle["text/plain"]);
  }
  throw new TypeError(`visualize: cannot show ${Object.prototype.toString.call(x)}; pass a Spectrum, Image, Cube, Table, HDUList or a FITS path`);
}
