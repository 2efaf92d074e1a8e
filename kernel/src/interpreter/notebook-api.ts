/**
 * The globals a cell sees besides Node's: `display`, `clearOutput`, `prompt`, `input`, `jupyter`
 * (comms) and `jovial` (settings). Their types are in `kernel/types/notebook.d.ts`; keep both in step.
 */
import process from "node:process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Comms } from "./comms.js";
import { requestContext } from "./context.js";
import type { ExecutorSettings } from "./executor.js";
import { bundleOf, isMimeBundle } from "./mime.js";
import { importModule, notebookRequire } from "./modules.js";
import type { Outputs } from "./output.js";
import { RUNTIME } from "./transpile.js";
import type { Stdin } from "./stdin.js";

export interface DisplayOptions {
  /** Give the output an id to update it later; `true` makes one up. */
  display_id?: string | boolean;
  metadata?: Record<string, unknown>;
  /** Treat the value as a MIME bundle even if it does not look like one. */
  raw?: boolean;
}

export interface DisplayHandle {
  display_id: string;
  update(value: unknown, options?: Omit<DisplayOptions, "display_id">): Promise<void>;
}

interface Dependencies {
  outputs: Outputs;
  comms: Comms;
  stdin: Stdin;
  settings: ExecutorSettings;
  version: string;
}

export function installNotebookGlobals({ outputs, comms, stdin, settings, version }: Dependencies): void {
  /** Sends display data now; the returned promise settles once the value's bundle is computed and sent. */
  async function show(value: unknown, options: DisplayOptions, update: boolean, displayId?: string): Promise<void> {
    const { data, metadata } = await bundleOf(value, { raw: options.raw });
    const transient = displayId ? { display_id: displayId } : {};
    outputs.emit(update ? "update_display_data" : "display_data", { data, metadata: { ...metadata, ...options.metadata }, transient });
  }

  function display(value: unknown, options: DisplayOptions = {}): DisplayHandle | undefined {
    const id = options.display_id === true ? randomUUID() : options.display_id || undefined;
    void show(value, options, false, id).catch((e: Error) => outputs.write("stderr", `display: ${e.message}\n`));
    if (!id) return undefined;
    return { display_id: id, update: (v, o = {}) => show(v, o, true, id) };
  }

  const mime = (type: string) => (content: unknown, options: DisplayOptions = {}) => display({ [type]: content }, options);
  Object.assign(display, {
    html: mime("text/html"),
    markdown: mime("text/markdown"),
    svg: mime("image/svg+xml"),
    png: mime("image/png"),
    jpeg: mime("image/jpeg"),
    latex: mime("text/latex"),
    json: mime("application/json"),
    text: mime("text/plain"),
  });

  const globals: Record<string, unknown> = {
    display,
    updateDisplay: (displayId: string, value: unknown, options: DisplayOptions = {}) => show(value, options, true, displayId),
    clearOutput: (options: { wait?: boolean } = {}) => outputs.emit("clear_output", { wait: Boolean(options.wait) }),
    prompt: (message?: string, options?: { password?: boolean }) => stdin.prompt(message, options),
    input: async (message?: string, options?: { password?: boolean }) => stdin.prompt(message, options),
    jupyter: {
      openComm: comms.openComm.bind(comms),
      registerCommTarget: comms.registerTarget.bind(comms),
      unregisterCommTarget: comms.unregisterTarget.bind(comms),
      isMimeBundle,
    },
    jovial: {
      settings,
      version,
      get signal() {
        return requestContext.getStore()?.signal;
      },
    },
    // What a script in the notebook's folder would have (Node's types declare them too).
    require: notebookRequire(process.cwd()),
    __dirname: process.cwd(),
    __filename: path.join(process.cwd(), "notebook.ts"),
    [RUNTIME]: { import: (specifier: string) => importModule(specifier, process.cwd()) },
  };
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}
