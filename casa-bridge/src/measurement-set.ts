/**
 * New MeasurementSets from a plain description: antennas, fields, spectral windows, polarizations,
 * the observation, and the main table as rows or scans. casacore's own MS classes write it (the
 * required columns and default subtables python-casacore's default_ms makes), so CASA, python-casacore
 * and casa-bridge read it like any other MS; UVW is computed from the antenna positions unless given.
 */
import { cellSignal } from "smoothy";
import { casa, type MeasurementSetSpec } from "./native.js";

export type { MeasurementSetSpec, MsAntenna, MsDataDescription, MsField, MsObservation, MsPolarization, MsRows, MsScan, MsSpectralWindow } from "./native.js";

/**
 * Writes a MeasurementSet at `path` off the event loop. It appears there whole or not at all (written
 * next to it and renamed into place); an existing MS is replaced only with `overwrite: true`, and kept
 * if anything fails. A wrong parameter rejects with an Error naming it, e.g.
 * `rows.antenna2[7] is 4, but there are 4 antennas (0..3)`.
 */
export function createMeasurementSet(path: string, spec: MeasurementSetSpec, options: { overwrite?: boolean } = {}): Promise<{ path: string; nrows: number }> {
  cellSignal()?.throwIfAborted();
  return casa().createMeasurementSet(path, spec, options);
}
