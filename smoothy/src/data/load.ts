/**
 * `load(path)`: the right product for an image HDU — Spectrum, Image or Cube by its non-degenerate
 * axes — with its WCS, unit and beam (per-channel beams from a BEAMS table when the file has one).
 */
import { open } from "../fits/open.js";
import type { HDU } from "../fits/hdu.js";
import type { HDUKey, HDUList } from "../fits/hdulist.js";
import type { PixelArray } from "../fits/image-data.js";
import { beamOf, beamsOf, type Beam } from "./beam.js";
import { Cube, Image, Spectrum, type ProductInit, type Values } from "./products.js";

export type Product = Spectrum | Image | Cube;

function asFloat(data: PixelArray): Values {
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, Number);
  return data.BYTES_PER_ELEMENT <= 2 ? Float32Array.from(data) : Float64Array.from(data);
}

function firstImage(list: HDUList): HDU {
  const hdu = [...list].find((h) => h.isImage && h.shape.some((n) => n > 1));
  if (!hdu) throw new Error(`${list.path}: no HDU holds an image (${list.hdus.map((h) => h.kind).join(", ")})`);
  return hdu;
}

export async function load(source: string | HDUList, options: { hdu?: HDUKey } = {}): Promise<Product> {
  const list = typeof source === "string" ? await open(source) : source;
  try {
    const hdu = options.hdu === undefined ? firstImage(list) : list.get(options.hdu);
    const fullShape = hdu.shape;
    const axes = fullShape.map((n, i) => (n > 1 ? i : -1)).filter((i) => i >= 0);
    if (axes.length === 0) throw new Error(`${list.path}[${hdu.index}]: the HDU has no image data`);
    if (axes.length > 3) {
      throw new Error(`${list.path}[${hdu.index}]: ${axes.length} non-degenerate axes (shape ${fullShape.join(" × ")}); smoothy handles spectra, images and cubes (1 to 3)`);
    }
    const { data } = await hdu.data();
    let wcs;
    try {
      wcs = hdu.wcs();
    } catch {
      wcs = undefined; // an image with no usable WCS is still an image
    }
    let beams: Beam[] | undefined;
    const beamsHdu = [...list].find((h) => h.kind === "BinTableHDU" && h.name.toUpperCase() === "BEAMS");
    if (beamsHdu) beams = beamsOf(await beamsHdu.table());
    const unit = typeof hdu.header.get("BUNIT") === "string" ? String(hdu.header.get("BUNIT")).trim() : "";
    const init: ProductInit = {
      data: asFloat(data),
      shape: axes.map((a) => fullShape[a]),
      wcs,
      axes,
      wcsAxes: wcs?.naxis ?? fullShape.length,
      unit,
      beam: beamOf(hdu.header) ?? beams?.[Math.floor(beams.length / 2)],
      beams,
      header: hdu.header,
      source: `${list.path}[${hdu.index}]`,
    };
    return axes.length === 1 ? new Spectrum(init) : axes.length === 2 ? new Image(init) : new Cube(init);
  } finally {
    if (typeof source === "string") await list.close();
  }
}
