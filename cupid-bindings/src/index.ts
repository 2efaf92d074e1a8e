export { findClumps, type FindClumpsOptions } from "./find-clumps.js";
export { METHODS, type ClumpMethod } from "./methods.js";
export { ClumpResult } from "./result.js";
export { ClumpCatalogue, type CatalogueColumn } from "./catalogue.js";
export { parseConfig, type ClumpConfig } from "./config.js";
