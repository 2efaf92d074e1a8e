/**
 * `load(path)`: the right product for an image HDU — Spectrum, Image or Cube by its non-degenerate
 * axes — with its WCS, unit and beam (per-channel beams from a BEAMS table when the file has one).
 */
import { open } from "../fits/open.js";
import { isHDU, type HDU } from "../fits/hdu.js";
import { listOf, type HDUKey, type HDUList } from "../fits/hdulist.js";
import type { Header } from "../header/header.js";
import type { PixelArray } from "../fits/image-data.js";
import { WCS } from "../wcs/wcs.js";
import { beamOf, beamsOf, type Beam } from "./beam.js";
import { normalizeUnit } from "./units.js";
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

/** The product of a file (its first image, or `hdu`), of an open HDUList, or of one of its HDUs. */
export async function load(source: string | HDUList | HDU, options: { hdu?: HDUKey } = {}): Promise<Product> {
  if (isHDU(source)) {
    const owner = listOf(source);
    if (!owner) throw new TypeError(`load(hdu): HDU ${source.index} belongs to no open file; pass the HDUList or the path`);
    return load(owner, { hdu: source.index });
  }
  const list = typeof source === "string" ? await open(source) : source;
  try {
    const hdu = options.hdu === undefined ? firstImage(list) : list.get(options.hdu);
    const axes = hdu.shape.filter((n) => n > 1);
    if (axes.length === 0) throw new Error(`${list.path}[${hdu.index}]: the HDU has no image data`);
    if (axes.length > 3) {
      throw new Error(`${list.path}[${hdu.index}]: ${axes.length} non-degenerate axes (shape ${hdu.shape.join(" × ")}); smoothy handles spectra, images and cubes (1 to 3)`);
    }
    const { data } = await hdu.data();
    let beams: Beam[] | undefined;
    const beamsHdu = [...list].find((h) => h.kind === "BinTableHDU" && h.name.toUpperCase() === "BEAMS");
    if (beamsHdu) beams = beamsOf(await beamsHdu.table());
    return productOf({ header: hdu.header, data, shape: hdu.shape, beams, source: `${list.path}[${hdu.index}]` });
  } finally {
    if (typeof source === "string") await list.close();
  }
}

/**
 * The product for pixels and the header that describes them (shape in FITS order, degenerate axes
 * included): what `load` makes of an HDU, and what other readers (casa-bridge) make of theirs.
 */
export function productOf(input: { header: Header; data: PixelArray; shape: number[]; beams?: Beam[]; source: string }): Product {
  const { header, shape: fullShape, beams } = input;
  const axes = fullShape.map((n, i) => (n > 1 ? i : -1)).filter((i) => i >= 0);
  if (axes.length === 0 || axes.length > 3)
    throw new Error(`${input.source}: ${axes.length} non-degenerate axes (shape ${fullShape.join(" × ")}); smoothy handles spectra, images and cubes (1 to 3)`);
  let wcs: WCS | undefined;
  try {
    wcs = WCS.fromHeader(header, { naxis: fullShape });
  } catch {
    wcs = undefined; // an image with no usable WCS is still an image
  }
  // Squeezed axes (a Stokes axis of length 1) are held at their one pixel.
  if (wcs && axes.length < fullShape.length) wcs = wcs.slice(fullShape.map((n) => (n > 1 ? null : 0)));
  const unit = typeof header.get("BUNIT") === "string" ? normalizeUnit(String(header.get("BUNIT"))) : "";
  const init: ProductInit = {
    data: asFloat(input.data),
    shape: axes.map((a) => fullShape[a]),
    wcs,
    unit,
    beam: beamOf(header) ?? beams?.[Math.floor(beams.length / 2)],
    beams,
    header,
    source: input.source,
  };
  return axes.length === 1 ? new Spectrum(init) : axes.length === 2 ? new Image(init) : new Cube(init);
}
