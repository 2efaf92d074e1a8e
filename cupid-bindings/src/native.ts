/** The jovial_cupid addon (native/cupid): CUPID's FINDCLUMPS flow in a worker thread. */
import { loadAddon } from "@jovial/native";

export interface NativeResult {
  ndim: number;
  mask?: Int32Array;
  model?: Float32Array;
  columnNames: string[];
  columns: Record<string, Float64Array | string[]>;
  config: Record<string, string>;
  rms: number;
  beamcorr: Float64Array;
  nClumps: number;
  nRejectedBadPixels: number;
  nRejectedBeamSpatial: number;
  nRejectedBeamSpectral: number;
  /** Seconds the native flow took in its worker thread. */
  seconds: number;
}

export interface CupidAddon {
  findClumps(
    data: Float32Array | Float64Array,
    shape: number[],
    options: { method: string; config?: Record<string, string>; rms?: number; deconv?: boolean; backoff?: boolean; velax?: number },
    onProgress?: (fraction: number, stage: string) => void,
  ): { promise: Promise<NativeResult>; cancel(): void };
}

export function cupid(): CupidAddon {
  return loadAddon<CupidAddon>("jovial_cupid");
}
