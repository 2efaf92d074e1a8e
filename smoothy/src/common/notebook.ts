/**
 * smoothy's one door to the notebook it may run in: the kernel's published contract
 * (`@jovial/kernel/notebook`). Nothing else in smoothy reads the kernel's globals, so a script, a
 * worker thread or another kernel that offers the same contract all work the same way.
 */
import { notebookContext, type NotebookContext } from "@jovial/kernel/notebook";

export type { DisplayHandle, NotebookContext } from "@jovial/kernel/notebook";

/** The notebook this code runs in, or undefined (a script, a worker). */
export function notebook(): NotebookContext | undefined {
  return notebookContext();
}

/** The running cell's AbortSignal: aborted when the person interrupts the cell. */
export function cellSignal(): AbortSignal | undefined {
  return notebookContext()?.signal;
}

/** Where the page finds the libraries smoothy declares (`jovial.assets` in its package.json). */
export function assetsPath(): string {
  return notebookContext()?.assetsPath ?? "kernelspecs/jovial/";
}
