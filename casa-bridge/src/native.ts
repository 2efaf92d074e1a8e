/**
 * The jovial_casa addon (native/casa): casacore's images, tables, TaQL, measures and new MeasurementSets. This interface is
 * the contract between the C++ binding and casa-bridge's TypeScript; keep both in step.
 *
 * Conventions: axes in casacore's order, which is FITS's (axis 0 varies fastest); pixel coordinates
 * 0-based (casacore's own); angles in radians unless a name says otherwise; times as MJD in days,
 * except a MeasurementSet's columns, which keep the MS's MJD seconds; frequencies in Hz. Every error is a JavaScript Error whose message names the path (or the query)
 * and the cause; bad input never crashes the process.
 */
import { loadAddon } from "@jovial/native";

export type PixelArray = Float32Array | Float64Array;

/** A complex value (complex and dcomplex). */
export interface Complex {
  re: number;
  im: number;
}

/**
 * A casacore scalar, given alike wherever it appears (cells, CALC results, keywords, misc info): bool as a boolean; uchar,
 * short, ushort, int, uint, float and double as numbers; int64 as a bigint, always (exact, where a number rounds beyond
 * 2^53, and of one type whatever the value); string; complex and dcomplex as { re, im }.
 */
export type CasaScalar = boolean | number | bigint | string | Complex;

/**
 * A casacore record (table and column keywords, image misc info) as a plain object: scalars, arrays as arrays of scalars
 * (1-D) or { values, shape } (more axes, axis 0 fastest), sub-records as objects, subtables as "Table: <path>".
 */
export interface CasaRecord {
  [name: string]: CasaScalar | CasaScalar[] | { values: CasaScalar[]; shape: number[] } | CasaRecord | null;
}

export interface CoordinateJson {
  type: "direction" | "spectral" | "stokes" | "linear" | "tabular";
  /** The image's pixel axes this coordinate covers, and its world axes. */
  pixelAxes: number[];
  worldAxes: number[];
  names: string[];
  units: string[];
  referenceValue: number[];
  referencePixel: number[];
  increment: number[];
  /** direction: the reference frame (J2000, ICRS, GALACTIC, ...) and projection (SIN, TAN, ...). */
  frame?: string;
  projection?: string;
  /** direction: the projection's parameters (FITS PV2_1...; PV2_0... for ZPN) and casacore's linear transform (FITS's PC transposed). */
  projectionParameters?: number[];
  linearTransform?: number[][];
  /** spectral: the frequency frame (LSRK, TOPO, BARY, ...), rest frequency in Hz, and the velocity doppler convention. */
  restFrequency?: number;
  doppler?: string;
  /** stokes: the polarizations along the axis, e.g. ["I"] or ["I", "Q", "U", "V"]. */
  stokes?: string[];
}

export interface CoordinateSystemJson {
  coordinates: CoordinateJson[];
  /** Per world axis, in world-axis order. */
  worldAxisNames: string[];
  worldAxisUnits: string[];
  /** The observation's telescope, observer and date (MJD days), when recorded. */
  telescope?: string;
  observer?: string;
  epoch?: number;
}

/** The addon's beam: FWHM of the major and minor axes in arcsec, position angle in degrees (CASA's convention). */
export interface NativeBeam {
  major: number;
  minor: number;
  pa: number;
}

/** What CASA's imstat gives, over the whole image or a box; positions are 0-based pixels. */
export interface ImageStatistics {
  npts: number;
  sum: number;
  sumsq: number;
  mean: number;
  rms: number;
  sigma: number;
  min: number;
  max: number;
  minpos: number[];
  maxpos: number[];
  median: number;
  medabsdevmed: number;
  q1: number;
  q3: number;
}

export interface ImageHandle {
  readonly path: string;
  readonly shape: number[];
  /** "float", "double", "complex", "dcomplex". Pixel reads give Float32Array or Float64Array (real types). */
  readonly dataType: string;
  /** "PagedImage", "FITSImage", "MIRIADImage", ... as casacore's ImageOpener found it. */
  readonly imageType: string;
  coordinates(): CoordinateSystemJson;
  unit(): string;
  /** The restoring beam, or one per channel (and Stokes) when the image has per-plane beams; null without. */
  beams(): { single: NativeBeam | null; perPlane: NativeBeam[] | null; nchan: number; nstokes: number };
  maskNames(): string[];
  defaultMask(): string;
  miscInfo(): CasaRecord;
  history(): string[];
  /** Pixels of [blc, trc] (inclusive, 0-based) every inc, off the event loop, into a new typed array (axis 0 fastest). */
  getSlice(blc: number[], trc: number[], inc: number[]): Promise<PixelArray>;
  /** The default mask over the same box (1 = good), or null when the image has none. */
  getMask(blc: number[], trc: number[], inc: number[]): Promise<Uint8Array | null>;
  /** Per image axis pixel coordinates (each a Float64Array of n points) to world (casacore units), and back. */
  toWorld(pixel: Float64Array[]): Float64Array[];
  toPixel(world: Float64Array[]): Float64Array[];
  /** imstat over the image, or over the box [blc, trc]; masked pixels excluded. */
  statistics(blc?: number[], trc?: number[]): Promise<ImageStatistics>;
  /** Writes pixels at blc, a box of `shape` (default: from blc to the image's end); writable images (made by createImage) only. */
  putSlice(data: PixelArray, blc: number[], shape?: number[]): Promise<void>;
  close(): void;
}

export interface CreateImageOptions {
  /** The coordinate system as coordinates() describes one (types direction, spectral, stokes, linear). */
  coordinates: CoordinateSystemJson;
  unit?: string;
  beam?: NativeBeam;
  overwrite?: boolean;
}

export interface ColumnDescription {
  name: string;
  /** casacore's data type: "bool", "uchar", "short", "ushort", "int", "uint", "int64", "float", "double", "complex", "dcomplex", "string" (or "record"). */
  valueType: string;
  isScalar: boolean;
  /** Fixed cell shape of array columns (axis 0 fastest), [] for scalars, or null when it varies (from the actual description, as python-casacore's getcoldesc). */
  shape: number[] | null;
  /** 0 for scalars; -1 for array columns whose cells may have any dimensionality. */
  ndim: number;
  comment: string;
  keywords: CasaRecord;
}

/** An array cell: its values (as in ColumnData) and casacore shape (axis 0 fastest). */
export interface CellData {
  values: Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Uint8Array | BigInt64Array | string[] | boolean[];
  shape: number[];
  complex?: boolean;
}

/**
 * A column's cells: numbers in one typed array (complex as interleaved re, im), strings as an array; `shape` is [nrow] for scalars, [nrow, ...cell] otherwise (cell axes fastest first in memory, like casacore).
 * int64 gives a BigInt64Array, ushort a Uint16Array, bool a boolean[]. An array column whose cells in the range differ in shape (or
 * are undefined) gives `variableShape: true`, `shape` [nrow] and one CellData per row in `values` (null for an undefined cell); one
 * declared without a fixed shape whose cells all have the same shape is read like a fixed-shape one. Record columns give one object per row.
 */
export interface ColumnData {
  values:
    | Float32Array
    | Float64Array
    | Int32Array
    | Uint32Array
    | Int16Array
    | Uint16Array
    | Uint8Array
    | BigInt64Array
    | string[]
    | boolean[]
    | (CellData | null)[]
    | CasaRecord[];
  shape: number[];
  complex?: boolean;
  variableShape?: boolean;
}

/** A TaQL CALC's values: one per row (one for a constant expression). */
export interface CalcResult {
  values: (CasaScalar | CellData)[];
}

export interface TableHandle {
  readonly path: string;
  readonly writable: boolean;
  nrows(): number;
  columnNames(): string[];
  describeColumn(name: string): ColumnDescription;
  /** The table's keywords (a CasaRecord: int64 values as bigints). */
  keywords(): CasaRecord;
  /**
   * Rows [startRow, startRow + nrow) every rowIncr (nrow -1: to the end), off the event loop. Note: nrow spans rows, so
   * (0, 10, 2) gives 5 rows (python-casacore's getcol(name, 0, 10, 2) gives 10). Rows outside the table are an error, not clipped.
   */
  getColumn(name: string, startRow?: number, nrow?: number, rowIncr?: number): Promise<ColumnData>;
  /** One cell: a CasaScalar (int64 as a bigint), CellData for an array cell, null for an undefined array cell, a CasaRecord for a record cell. */
  getCell(name: string, row: number): CasaScalar | CellData | CasaRecord | null;
  /**
   * Writes a scalar or array cell (read-write tables), converted to the column's type (integers must fit it): a number or bigint, a
   * boolean, a string, { re, im } or [re, im]; an array cell as { values, shape } or a bare typed or plain array (1-D), complex as an
   * interleaved typed array or an array of { re, im }.
   */
  putCell(name: string, row: number, value: unknown): void;
  /** Lets the table go (when no getColumn still reads it); further calls throw "<path>: table closed". */
  close(): void;
}

/**
 * The description of a new MeasurementSet (createMeasurementSet). Names follow the MS's columns in camelCase
 * (ANTENNA DISH_DIAMETER is `dishDiameter`, SPECTRAL_WINDOW CHAN_FREQ is `chanFreq`, ...); values are in the
 * columns' own units: metres, radians (J2000), Hz, and MJD seconds (UTC) for times, as the MS's TIME column.
 * Ids are 0-based row numbers of the subtables, as in the MS.
 */
export interface MsAntenna {
  name: string;
  station?: string;
  /** ITRF x, y, z in metres. */
  position: ArrayLike<number>;
  /** Metres. */
  dishDiameter: number;
  /** Default "ALT-AZ". */
  mount?: string;
  /** Default "GROUND-BASED". */
  type?: string;
  /** Axes offset, x, y, z in metres (default 0, 0, 0). */
  offset?: ArrayLike<number>;
}

export interface MsField {
  name: string;
  code?: string;
  /** [ra, dec], J2000 radians. DELAY_DIR and REFERENCE_DIR default to PHASE_DIR. */
  phaseDir: ArrayLike<number>;
  delayDir?: ArrayLike<number>;
  referenceDir?: ArrayLike<number>;
  /** The directions' epoch, MJD seconds (default 0). */
  time?: number;
  /** Row of the SOURCE table; default -1 (none is written). */
  sourceId?: number;
}

export interface MsSpectralWindow {
  name?: string;
  /** Channel frequencies, Hz. */
  chanFreq: ArrayLike<number>;
  /** Hz, one per channel or one for all (negative for decreasing frequencies). */
  chanWidth: number | ArrayLike<number>;
  /** Default |chanWidth|. */
  effectiveBw?: number | ArrayLike<number>;
  resolution?: number | ArrayLike<number>;
  /** Default the first channel's frequency, as CASA's simulator writes it. */
  refFrequency?: number;
  /** Default the sum of |chanWidth|. */
  totalBandwidth?: number;
  /** The frequency frame: "TOPO" (default), "LSRK", "BARY", ... */
  measFreqRef?: string;
  /** Default 1. */
  netSideband?: number;
}

export interface MsPolarization {
  /** The correlations, e.g. ["XX", "YY"] or ["RR", "RL", "LR", "LL"]; CORR_PRODUCT follows from them. */
  corrType: string[];
}

export interface MsDataDescription {
  spectralWindowId: number;
  polarizationId: number;
}

export interface MsObservation {
  telescopeName?: string;
  observer?: string;
  project?: string;
  scheduleType?: string;
  /** MJD seconds. */
  releaseDate?: number;
  /** [start, end] MJD seconds; default the span of the main table's integrations. */
  timeRange?: ArrayLike<number>;
}

/** Main-table rows, one value per row for each column (INTERVAL, EXPOSURE and TIME_CENTROID may be one number for all). */
export interface MsRows {
  /** MJD seconds, UTC: the middle of each integration. */
  time: ArrayLike<number>;
  fieldId: ArrayLike<number>;
  scanNumber: ArrayLike<number>;
  dataDescId: ArrayLike<number>;
  antenna1: ArrayLike<number>;
  antenna2: ArrayLike<number>;
  /** Seconds. */
  interval: number | ArrayLike<number>;
  /** Default INTERVAL. */
  exposure?: number | ArrayLike<number>;
  /** Default TIME. */
  timeCentroid?: number | ArrayLike<number>;
  /** u, v, w per row (3 numbers each, metres); default computed from the antenna positions and the field's phase centre (J2000). */
  uvw?: ArrayLike<number>;
}

/** A scan, expanded into rows: each integration, in each data description, every baseline (ANTENNA1 < ANTENNA2). */
export interface MsScan {
  /** Default the scan's position in the list + 1. */
  scanNumber?: number;
  fieldId: number;
  /** MJD seconds, UTC: the start of the first integration (TIME is each integration's middle). */
  start: number;
  /** Seconds per integration. */
  interval: number;
  integrations: number;
  /** Default every data description. */
  dataDescIds?: number[];
  /** Also the rows with ANTENNA1 == ANTENNA2 (default false). */
  autocorrelations?: boolean;
}

export interface MeasurementSetSpec {
  antennas: MsAntenna[];
  fields: MsField[];
  spectralWindows: MsSpectralWindow[];
  polarizations: MsPolarization[];
  /** Default one per spectral window, each with polarization 0. */
  dataDescriptions?: MsDataDescription[];
  observation?: MsObservation;
  /** The main table, row by row or as scans (not both); neither gives an MS without rows. */
  rows?: MsRows;
  scans?: MsScan[];
  /** Visibility columns to add, zero-filled and shaped per row: "DATA", "MODEL_DATA", "CORRECTED_DATA". */
  dataColumns?: Array<"DATA" | "MODEL_DATA" | "CORRECTED_DATA">;
}

export interface CasaAddon {
  casacoreVersion: string;
  /** Routes casacore's log messages to a function (called on the event loop, asynchronously, also for messages from workers), or drops them (null, the default); never straight to stderr. */
  setLogSink(sink: ((priority: string, origin: string, message: string) => void) | null): void;
  /** Any image casacore's ImageOpener knows: a CASA PagedImage, FITS, MIRIAD. */
  openImage(path: string): ImageHandle;
  /** A new float32 PagedImage. */
  createImage(path: string, shape: number[], options: CreateImageOptions): ImageHandle;
  /** CASA image to FITS (ImageFITSConverter), and back. */
  imageToFits(image: string, fits: string, options?: { overwrite?: boolean }): Promise<void>;
  imageFromFits(fits: string, image: string, options?: { overwrite?: boolean }): Promise<void>;
  /**
   * A new MeasurementSet at `path` (casacore's MS classes: the required columns and default subtables, filled from `spec`,
   * with one FEED row per antenna and FLAG, WEIGHT and SIGMA shaped per row), written off the event loop into a staging
   * folder next to `path` and renamed into place; an existing MS there is replaced only with `overwrite` and when this
   * process does not have it open. A bad parameter rejects with a TypeError or RangeError naming it; on any failure
   * `path` is left as it was.
   */
  createMeasurementSet(path: string, spec: MeasurementSetSpec, options?: { overwrite?: boolean }): Promise<{ path: string; nrows: number }>;
  openTable(path: string, options?: { writable?: boolean }): TableHandle;
  /**
   * A TaQL command (casacore's default style: 1-based indices unless the command says `using style python`): a SELECT (or other
   * table result) gives a table (`path` a temporary name for results held in memory); a CALC gives { values }: one entry per row
   * (one for a constant expression), scalars as CasaScalars (TaQL's integers are int64: bigints), arrays as CellData.
   * Runs off the event loop, and alone: every table's mutex is held while it runs.
   */
  taql(command: string): Promise<TableHandle | CalcResult>;
  /**
   * Measures. `frame` positions the conversion: epoch (MJD UTC days), observatory (a name casacore's
   * observatory table knows, e.g. "ALMA", "VLA") or position ([lon rad, lat rad, height m] ITRF), and
   * for frequencies the direction ([lon rad, lat rad] in `directionFrame`, default J2000).
   */
  convertDirection(lon: Float64Array, lat: Float64Array, from: string, to: string, frame?: MeasureFrame): { lon: Float64Array; lat: Float64Array };
  convertFrequency(hz: Float64Array, from: string, to: string, frame?: MeasureFrame): Float64Array;
  /** Frequencies to velocities (m/s) in a doppler convention (RADIO, OPTICAL, Z, RELATIVISTIC), and back. */
  frequencyToVelocity(hz: Float64Array, restHz: number, doppler: string): Float64Array;
  velocityToFrequency(ms: Float64Array, restHz: number, doppler: string): Float64Array;
  /** Epochs (MJD days) between UTC, TAI, TT, UT1, GMST1 and LAST (sidereal ones in days, the fraction is the time of day; LAST needs an observatory). */
  convertEpoch(mjd: Float64Array, from: string, to: string, frame?: MeasureFrame): Float64Array;
  observatories(): string[];
}

export interface MeasureFrame {
  epoch?: number;
  observatory?: string;
  position?: [number, number, number];
  direction?: [number, number];
  directionFrame?: string;
}

export function casa(): CasaAddon {
  return loadAddon<CasaAddon>("jovial_casa");
}
