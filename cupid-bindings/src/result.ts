/**
 * What findClumps returns: the integer mask (a smoothy Image or Cube on the same pixels, 0 for
 * background; GaussClumps: the sum of its fitted models instead, as FINDCLUMPS writes it), the
 * catalogue, and what CUPID resolved (the RMS, every configuration value it used, the rejections).
 * In a notebook it shows the clumps outlined over the map beside the catalogue.
 */
import { imageFigure, isCube, isImage, View, writeImage, type Cube, type HeaderInput, type Image, type Spectrum } from "smoothy";
import type { ClumpCatalogue } from "./catalogue.js";
import type { ClumpMethod } from "./methods.js";
import type { NativeResult } from "./native.js";
import { outlineTrace } from "./outlines.js";

type Product = Image | Cube | Spectrum;

export class ClumpResult {
  /** Clump k's pixels hold k (CUPID's order, decreasing peak); background 0. Empty for GaussClumps. */
  readonly mask?: Product | { data: Int32Array; shape: number[] };
  /** GaussClumps: the sum of the accepted fitted Gaussians. */
  readonly model?: Product | { data: Float32Array; shape: number[] };
  readonly rms: number;
  /** Every parameter value CUPID used, defaults included, by CUPID's upper-case names. */
  readonly config: Readonly<Record<string, string>>;
  readonly nClumps: number;
  readonly rejected: { badPixels: number; smallerThanBeamSpatial: number; smallerThanBeamSpectral: number };
  /** Seconds the native flow took (RMS, algorithm, catalogue, mask) in its worker thread. */
  readonly seconds: number;

  constructor(
    readonly method: ClumpMethod,
    readonly input: Product | undefined,
    readonly shape: number[],
    native: NativeResult,
    readonly catalogue: ClumpCatalogue,
  ) {
    const wrap = <T extends Int32Array | Float32Array>(data: T, unit: string, what: string) =>
      input ? input.withData(data, { unit, source: `${what} of ${input.source}` }) : { data, shape };
    this.mask = native.mask ? wrap(native.mask, "", `${method} clumps`) : undefined;
    this.model = native.model ? wrap(native.model, input?.unit ?? "", `${method} model`) : undefined;
    this.rms = native.rms;
    this.config = native.config;
    this.nClumps = native.nClumps;
    this.seconds = native.seconds;
    this.rejected = { badPixels: native.nRejectedBadPixels, smallerThanBeamSpatial: native.nRejectedBeamSpatial, smallerThanBeamSpectral: native.nRejectedBeamSpectral };
  }

  /** The mask as FITS: int32, 0 for background, with the input's WCS (GaussClumps: the float32 model). */
  async writeMask(file: string, options: { overwrite?: boolean } = {}): Promise<void> {
    const image = this.mask ?? this.model;
    if (!image) throw new Error("no clumps were found: there is no mask to write");
    const header: HeaderInput = this.input ? this.input.header.cards.filter((c) => !/^(BUNIT|BLANK|DATAMIN|DATAMAX|BSCALE|BZERO)$/.test(c.keyword) && c.keyword !== "") : [];
    const cards = [
      ...(header as Array<{ keyword: string; value: unknown; comment: string }>),
      { keyword: "BUNIT", value: this.mask ? "" : (this.input?.unit ?? ""), comment: this.mask ? "clump index, 0 = background" : "sum of fitted Gaussians" },
      { keyword: "HISTORY", value: null, comment: `JOVIAL findClumps ${this.method}: ${this.nClumps} clumps, RMS ${this.rms}` },
    ];
    await writeImage(file, { shape: this.shape, data: image.data as Int32Array | Float32Array }, { header: cards as HeaderInput, overwrite: options.overwrite ?? true });
  }

  /** The clumps outlined over the map (a cube's moment 0, or its maximum), beside the catalogue. */
  view(): View {
    const product = this.input;
    const map = isCube(product) ? (product.spectralAxis >= 0 ? product.moment(0) : product.collapse("max", 2)) : isImage(product) ? product : undefined;
    const labels = (this.mask?.data ?? undefined) as Int32Array | undefined;
    let html = "";
    if (map && labels) {
      const figure = imageFigure(map);
      const factor = Math.max(1, Math.ceil(Math.max(map.shape[0], map.shape[1]) / 512));
      figure.data.push(outlineTrace(labels, product!.shape, factor));
      (figure.layout.title as { text: string }).text = `${this.nClumps} ${this.method} clumps on ${map.source}`;
      html = new View({ kind: "plotly", figure }, "").html();
    }
    html += this.catalogue.html();
    return new View({ kind: "html", html, text: this.toString() }, this.toString());
  }

  toString(): string {
    const r = this.rejected;
    return `${this.nClumps} clumps (${this.method}, RMS ${this.rms.toPrecision(4)}); rejected: ${r.badPixels} with bad pixels, ${r.smallerThanBeamSpatial + r.smallerThanBeamSpectral} smaller than the beam`;
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { "text/plain": this.toString(), "text/html": this.view().html() };
  }
}
