/**
 * casa-bridge: casacore from TypeScript. CASA images (and FITS/MIRIAD through casacore) as smoothy
 * products, tables and TaQL, MeasurementSets summarised and written, and measures. casacore's log
 * goes to `setCasaLogger` (silent by default), never straight to stderr.
 */
import { casa } from "./native.js";

export { CasaImage, type Box } from "./image.js";
export { CasaTable, taql } from "./table.js";
export { listobs, formatListobs, type Listobs } from "./listobs.js";
export {
  createMeasurementSet,
  type MeasurementSetSpec,
  type MsAntenna,
  type MsDataDescription,
  type MsField,
  type MsObservation,
  type MsPolarization,
  type MsRows,
  type MsScan,
  type MsSpectralWindow,
} from "./measurement-set.js";
export { convertDirection, convertEpoch, convertFrequency, frequencyToVelocity, velocityToFrequency, observatories, type Frame } from "./measures.js";
export { fitsCards, fitsHeader } from "./fits-header.js";
export type { CalcResult, CasaRecord, CasaScalar, CellData, ColumnData, ColumnDescription, Complex, CoordinateJson, CoordinateSystemJson, ImageStatistics } from "./native.js";

/** Sends casacore's log messages to `logger` (priority, origin, message), or silences them (null, the default). */
export function setCasaLogger(logger: ((priority: string, origin: string, message: string) => void) | null): void {
  casa().setLogSink(logger);
}

/** casacore's version, or throws naming the Debian package to install when the addon is missing. */
export function casacoreVersion(): string {
  return casa().casacoreVersion;
}

/** A FITS image to a CASA image, with casacore's own converter (ImageFITSConverter). */
export function imageFromFits(fits: string, image: string, options: { overwrite?: boolean } = {}): Promise<void> {
  return casa().imageFromFits(fits, image, options);
}

/** A CASA image to FITS, with casacore's own converter. */
export function imageToFits(image: string, fits: string, options: { overwrite?: boolean } = {}): Promise<void> {
  return casa().imageToFits(image, fits, options);
}
