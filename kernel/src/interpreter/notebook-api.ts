/**
 * The globals a cell sees besides Node's: `display`, `clearOutput`, `prompt`, `input`, `jupyter`
 * (comms) and `jovial` (settings). Their types are in `kernel/types/notebook.d.ts`; keep both in step.
 * Libraries get the same through the published contract (`../notebook-contract.ts`), installed here
 * under its key.
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

import { NOTEBOOK_CONTEXT, type DisplayHandle, type DisplayOptions, type NotebookContext } from "../common/notebook-contract.js";

export type { DisplayHandle, DisplayOptions } from "../common/notebook-contract.js";

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

  const mime =
    (type: string) =>
    (content: unknown, options: DisplayOptions = {}) =>
      display({ [type]: content }, options);
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
  const kernelName = process.env.JOVIAL_KERNEL_NAME || "jovial";
  const context: NotebookContext = {
    kernelName,
    assetsPath: `kernelspecs/${kernelName}/`,
    get signal() {
      return requestContext.getStore()?.signal;
    },
    display,
    clearOutput: (options = {}) => outputs.emit("clear_output", { wait: Boolean(options.wait) }),
    openComm: comms.openComm.bind(comms),
    registerCommTarget: comms.registerTarget.bind(comms),
  };
  Object.defineProperty(globalThis, NOTEBOOK_CONTEXT, { value: Object.freeze(context), configurable: true, enumerable: false });
}
