/** The shared test data beside the project (../shared): tests that need it skip, saying so, without it. */
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./kernel-client.ts";

export const SHARED = path.resolve(ROOT, "..", "shared");
export const FITS_DIR = path.join(SHARED, "data", "fits");

export function sharedAvailable(what: string): boolean {
  if (existsSync(SHARED)) return true;
  console.log(`SKIP ${what}: ${SHARED} is absent (the shared test data lives beside the project)`);
  return false;
}
