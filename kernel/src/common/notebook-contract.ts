/**
 * What a JOVIAL notebook offers the libraries its cells import: the one contract between the kernel
 * and any toolkit (smoothy, cupid-bindings, a user's package). The kernel installs a
 * `NotebookContext` under `NOTEBOOK_CONTEXT` in the interpreter's global scope; outside a notebook
 * (a Node script, a worker) there is none, and `notebookContext()` says so with `undefined`.
 * This module has no dependencies, so importing it costs nothing where no kernel runs.
 */

export interface DisplayOptions {
  /** Give the output an id to update it later; `true` makes one up. */
  display_id?: string | boolean;
  metadata?: Record<string, unknown>;
  /** Treat the value as a MIME bundle even if it does not look like one. */
  raw?: boolean;
}

export interface DisplayHandle {
  readonly display_id: string;
  /** Replaces the displayed output in place (update_display_data). */
  update(value: unknown, options?: Omit<DisplayOptions, "display_id">): Promise<void>;
}

/** A Jupyter comm, with the protocol's field names. */
export interface Comm {
  readonly comm_id: string;
  readonly target_name: string;
  readonly closed: boolean;
  send(data?: Record<string, unknown>, buffers?: Uint8Array[]): void;
  close(data?: Record<string, unknown>): void;
  onMsg(handler: (data: Record<string, unknown>, buffers: Uint8Array[]) => void | Promise<void>): Comm;
  onClose(handler: (data: Record<string, unknown>) => void): Comm;
}

export interface NotebookContext {
  /** The kernelspec's name ("jovial" unless installed under another). */
  readonly kernelName: string;
  /**
   * Where the browser finds the files packages declare in their package.json's `jovial.assets`:
   * a path relative to the Jupyter server's base URL (every server serves a kernelspec's folder at
   * `kernelspecs/<name>/`).
   */
  readonly assetsPath: string;
  /** The running cell's AbortSignal, aborted when the cell is interrupted; undefined between cells. */
  readonly signal: AbortSignal | undefined;
  /** Shows a value under the running cell (its `[Symbol.for("Jupyter.display")]()` bundle, a MIME bundle, or text). */
  display(value: unknown, options?: DisplayOptions): DisplayHandle | undefined;
  clearOutput(options?: { wait?: boolean }): void;
  openComm(targetName: string, data?: Record<string, unknown>, buffers?: Uint8Array[]): Comm;
  registerCommTarget(targetName: string, handler: (comm: Comm, data: Record<string, unknown>, buffers: Uint8Array[]) => void | Promise<void>): void;
}

/** The global key (a registered symbol, so every copy of this module agrees on it). */
export const NOTEBOOK_CONTEXT: unique symbol = Symbol.for("jovial.notebook");

/** The notebook this code runs in, or undefined outside one. */
export function notebookContext(): NotebookContext | undefined {
  return (globalThis as { [NOTEBOOK_CONTEXT]?: NotebookContext })[NOTEBOOK_CONTEXT];
}
