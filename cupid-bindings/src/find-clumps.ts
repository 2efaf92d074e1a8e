/**
 * `findClumps(imageOrCube, { method, config, rms })`: CUPID's FINDCLUMPS in one call. The native flow
 * runs off the event loop with a progress bar and stops when cancelled (the caller's signal, or the
 * notebook cell's on an interrupt). NaNs are bad pixels; a degenerate Stokes axis is dropped.
 */
import { cellSignal, isCube, isProduct, progress, type Cube, type Image, type Spectrum } from "smoothy";
import { ClumpCatalogue } from "./catalogue.js";
import { parseConfig, type ClumpConfig } from "./config.js";
import { cupid, type NativeResult } from "./native.js";
import { METHODS, type ClumpMethod } from "./methods.js";
import { ClumpResult } from "./result.js";

export interface FindClumpsOptions {
  method: ClumpMethod;
  /** CUPID's parameters by CUPID's names: `{ "FellWalker.MinDip": "3*RMS" }` or "MinDip=3*RMS,MaxJump=6". */
  config?: ClumpConfig;
  /** The noise; CUPID's own estimator when absent (or the config's RMS). */
  rms?: number;
  /** FINDCLUMPS' DECONV (default true): sizes and peaks corrected for the beam. */
  deconv?: boolean;
  /** FINDCLUMPS' BACKOFF (default: CUPID's, false only for ClumpFind with IDLAlg = 1). */
  backoff?: boolean;
  signal?: AbortSignal;
}

type Input = Image | Cube | Spectrum | { data: Float32Array | Float64Array; shape: number[] };

export async function findClumps(input: Input, options: FindClumpsOptions): Promise<ClumpResult> {
  const method = String(options.method ?? "").toLowerCase() as ClumpMethod;
  if (!METHODS.includes(method)) throw new RangeError(`method ${JSON.stringify(options.method)}: use one of ${METHODS.join(", ")}`);
  const product = isProduct(input) ? input : undefined;
  const data = input.data instanceof Int32Array ? Float32Array.from(input.data) : input.data;
  // The velocity axis of a cube (CUPID's VeloRes applies along it); -1 lets CUPID assume axis 3.
  const velax = isCube(input) && input.spectralAxis >= 0 ? input.spectralAxis : -1;
  const signal = options.signal ?? cellSignal();
  signal?.throwIfAborted();
  // The bar does not cancel (it would throw inside the native callback): the signal cancels the job below.
  const bar = progress(`${method} on ${product?.source ?? "the data"}`, 1000, null);
  const job = cupid().findClumps(
    data,
    input.shape,
    { method, config: parseConfig(options.config), rms: options.rms, deconv: options.deconv, backoff: options.backoff, velax },
    (fraction) => bar.update(fraction * 1000),
  );
  const cancel = () => job.cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  let result: NativeResult;
  try {
    result = await job.promise;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`findClumps (${method}) on ${product?.source ?? "the data"}: ${(e as Error).message}`);
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  bar.finish();
  const catalogue = new ClumpCatalogue(result.columnNames, result.columns, ...worldColumns(product, result));
  return new ClumpResult(method, product, input.shape, result, catalogue);
}

/** Centroids and peaks through the product's WCS: CUPID's PIXEL coordinate c is 0-based pixel c − 0.5. */
function worldColumns(product: Image | Cube | Spectrum | undefined, result: NativeResult): [Record<string, Float64Array>, Record<string, string>] {
  const wcs = product?.wcs;
  if (!product || !wcs || result.ndim !== product.shape.filter((n) => n > 1).length || product.shape.some((n) => n === 1)) return [{}, {}];
  const world: Record<string, Float64Array> = {};
  const units: Record<string, string> = {};
  for (const what of ["Cen", "Peak"] as const) {
    const pixel = product.shape.map((_, a) => Float64Array.from(result.columns[`${what}${a + 1}`] as Float64Array, (c) => c - 0.5));
    const values = product.pixelToWorldValues(...pixel);
    values.forEach((axis, w) => {
      const name = `${wcs.ctype[w].split("-")[0].trim() || `WORLD${w + 1}`}_${what.toLowerCase()}`;
      world[name] = axis;
      units[name] = wcs.worldAxisUnits[w];
    });
  }
  return [world, units];
}
