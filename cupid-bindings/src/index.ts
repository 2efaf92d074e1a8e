export { findClumps, METHODS, type ClumpMethod, type FindClumpsOptions } from "./find-clumps.js";
export { ClumpResult } from "./result.js";
export { ClumpCatalogue, type CatalogueColumn } from "./catalogue.js";
export { parseConfig, type ClumpConfig } from "./config.js";
