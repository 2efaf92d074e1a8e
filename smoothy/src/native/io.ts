/**
 * The io addon (native/io): FITS data read off the event loop and byte-swapped in the thread that
 * read them, into memory mapped with huge pages. Optional: without it smoothy reads through node:fs
 * and swaps in JavaScript, slower but the same values.
 */
import { loadAddon } from "@jovial/native";

export interface IoAddon {
  /** Reads each [fileOffset, targetOffset, length] run of `runs` into `target`, swapped to native order. */
  readRuns(fd: number, target: Uint8Array, runs: Float64Array, width: number): Promise<{ bytes: number; shortAt: number | null }>;
  /** Anonymous memory with MADV_HUGEPAGE, unmapped when collected. */
  allocate(bytes: number): ArrayBuffer;
}

let addon: IoAddon | null | undefined;

export function io(): IoAddon | undefined {
  if (addon === undefined) {
    try {
      addon = loadAddon<IoAddon>("jovial_io");
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}
