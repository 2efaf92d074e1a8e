/** The shared test data beside the project (../shared): tests that need it skip, saying so, without it. */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Callback, Test } from "uvu";
import { ROOT } from "./kernel-client.ts";

export const SHARED = path.resolve(ROOT, "..", "shared");
export const FITS_DIR = path.join(SHARED, "data", "fits");

export function sharedAvailable(what: string): boolean {
  if (existsSync(SHARED)) return true;
  console.log(`SKIP ${what}: ${SHARED} is absent (the shared test data lives beside the project)`);
  return false;
}

/**
 * A test that needs ../shared: registered as skipped (uvu counts it so) when the data are absent,
 * so a missing folder never passes for a pass.
 */
export function sharedTest<T>(test: Test<T>, name: string, handler: Callback<T>): void {
  if (existsSync(SHARED)) test(name, handler);
  else {
    console.log(`SKIP ${name}: ${SHARED} is absent (the shared test data lives beside the project)`);
    test.skip(name, handler);
  }
}
