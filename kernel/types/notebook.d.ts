/**
 * Globals of JOVIAL notebook cells, beside Node's. Implemented in kernel/src/interpreter/notebook-api.ts.
 */
declare global {
  interface JovialDisplayOptions {
    /** Give the output an id to update it later; `true` makes one up. */
    display_id?: string | boolean;
    metadata?: Record<string, unknown>;
    /** Treat the value as a MIME bundle even if it does not look like one. */
    raw?: boolean;
  }
  interface JovialDisplayHandle {
    readonly display_id: string;
    /** Replaces the displayed output in place (update_display_data). */
    update(value: unknown, options?: Omit<JovialDisplayOptions, "display_id">): Promise<void>;
  }
  type JovialMimeDisplay = (content: unknown, options?: JovialDisplayOptions) => JovialDisplayHandle | undefined;
  interface JovialDisplay {
    /**
     * Shows a value below the cell: as its `[Symbol.for("Jupyter.display")]()` bundle if it has one, as a
     * MIME bundle if it is one (`{ "text/html": "<b>hi</b>" }`), else as `util.inspect` prints it.
     * With a `display_id` the returned handle updates the output in place.
     */
    (value: unknown, options?: JovialDisplayOptions): JovialDisplayHandle | undefined;
    html: JovialMimeDisplay;
    markdown: JovialMimeDisplay;
    svg: JovialMimeDisplay;
    /** PNG bytes (Uint8Array) or base64 text. */
    png: JovialMimeDisplay;
    jpeg: JovialMimeDisplay;
    latex: JovialMimeDisplay;
    json: JovialMimeDisplay;
    text: JovialMimeDisplay;
  }
  interface JovialComm {
    readonly comm_id: string;
    readonly target_name: string;
    readonly closed: boolean;
    send(data?: Record<string, unknown>, buffers?: Uint8Array[]): void;
    close(data?: Record<string, unknown>): void;
    onMsg(handler: (data: Record<string, unknown>, buffers: Uint8Array[]) => void | Promise<void>): JovialComm;
    onClose(handler: (data: Record<string, unknown>) => void): JovialComm;
  }

  /** Shows a value in the output area; see JovialDisplay. */
  var display: JovialDisplay;
  /** Replaces the output shown with `display(value, { display_id })`. */
  function updateDisplay(displayId: string, value: unknown, options?: JovialDisplayOptions): Promise<void>;
  /** Clears the cell's output; with `wait`, only when the next output arrives (for animations). */
  function clearOutput(options?: { wait?: boolean }): void;
  /** Asks the person at the notebook for a line of text, waiting for the answer. */
  function prompt(message?: string, options?: { password?: boolean }): string;
  /** As `prompt`, as a promise. `{ password: true }` hides what is typed. */
  function input(message?: string, options?: { password?: boolean }): Promise<string>;
  /** Jupyter comms, for widgets and custom front-end code. */
  var jupyter: {
    openComm(targetName: string, data?: Record<string, unknown>, buffers?: Uint8Array[]): JovialComm;
    registerCommTarget(targetName: string, handler: (comm: JovialComm, data: Record<string, unknown>, buffers: Uint8Array[]) => void | Promise<void>): void;
    unregisterCommTarget(targetName: string): void;
    isMimeBundle(value: unknown): boolean;
  };
  /** The kernel's settings, changeable from a cell. */
  var jovial: {
    settings: {
      /** Check types before running each cell (default true; `JOVIAL_TYPECHECK=0` turns it off at start). */
      typeCheck: boolean;
    };
    readonly version: string;
    /**
     * The running cell's AbortSignal: aborted when the cell is interrupted. Pass it to long work
     * (`fetch`, child processes, your own loops); smoothy's reads use it by default.
     */
    readonly signal: AbortSignal | undefined;
  };
}
export {};
