/**
 * smoothy: the JOVIAL astronomy toolkit. FITS files are read with astropy.io.fits's names and
 * conventions: shapes in FITS axis order (NAXIS1 first), pixel positions 0-based.
 */
export { open } from "./fits/open.js";
export { HDUList, isHDUList, type HDUKey } from "./fits/hdulist.js";
export { HDU, isHDU, type HDUKind, type ReadOptions } from "./fits/hdu.js";
export { Header } from "./header/header.js";
export type { ImageArray, PixelArray, DType } from "./fits/image-data.js";
export { Table, isTable, type Column, type ColumnData, type ColumnValues } from "./fits/table.js";
export { parseCard, type Card, type CardValue } from "./header/card.js";
export { FitsError, type FitsErrorCode } from "./fits/errors.js";
export { WCS, WcsError } from "./wcs/wcs.js";
export { formatCard } from "./header/card.js";
export { load, productOf, type Product } from "./data/load.js";
export { Spectrum, Image, Cube, isSpectrum, isImage, isCube, isProduct, type ProductInit, type Values } from "./data/products.js";
export { kindOf, type SmoothyKind } from "./common/kinds.js";
export { statistics, madStd, type Statistics } from "./data/statistics.js";
export { beamOf, beamsOf, beamSolidAngle, jyPerBeamToKelvin, type Beam } from "./data/beam.js";
export { convertSpectral, spectralKind, SPEED_OF_LIGHT, type SpectralKind } from "./data/spectral.js";
export { visualize, type VisualizeOptions } from "./visualize/visualize.js";
export { View, type ViewSpec } from "./visualize/view.js";
export { spectrumFigure, imageFigure, type ImageFigureOptions, type PlotlyFigure } from "./visualize/figures.js";
export { volumeSpec, type Transfer, type VolumeSpec } from "./visualize/volume.js";
export { cubeViewSpec, spectraGrid, type CubeViewOptions, type CubeViewSpec, type SpectraGrid } from "./visualize/cube-view.js";
export type { Colorscale, Stretch } from "./visualize/stretch.js";
export { browserAssetPath } from "./visualize/assets.js";
export { writeImage, type HeaderInput } from "./fits/write.js";
export { writeTable, type ColumnInput } from "./fits/write-table.js";
export { checkCancelled, progress, type Progress } from "./common/progress.js";
export { escapeHtml } from "./common/html.js";
export { csvField, toCsv } from "./common/csv.js";
export { jsonReplacer, toJson } from "./common/json.js";
export { mulberry32, type Random } from "./common/random.js";
export { cellSignal, notebook, type NotebookContext } from "./common/notebook.js";
// Also at "smoothy/pipeline" and "smoothy/regions"; BullMQ loads only for a run on Redis.
export * from "./pipeline/index.js";
export {
  findRegions,
  regionsTable,
  REGION_COLUMNS,
  type FindRegionsOptions,
  type Region,
  type RegionRange,
  type RegionsResult,
  type RegionColumn,
  type RegionsTable,
} from "./regions/index.js";
// Bounded-memory passes over images and cubes bigger than memory.
export { memoryBudget, setMemoryBudget, MemoryBudgetError, formatBytes } from "./stream/budget.js";
export { forEachChunk, readChunks, type ChunkPlace, type FloatChunk, type PassOptions } from "./stream/pass.js";
export { streamStatistics, type StreamStatistics, type StatisticsOptions } from "./stream/statistics.js";
