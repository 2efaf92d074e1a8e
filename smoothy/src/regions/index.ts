/** RoISE (ACALib's region finder) on smoothy's cubes: `findRegions(cube)` and its catalogue. */
export { findRegions, type FindRegionsOptions, type Region, type RegionRange, type RegionsResult } from "./roise.js";
export { regionsTable, REGION_COLUMNS, type RegionColumn, type RegionsTable } from "./table.js";
