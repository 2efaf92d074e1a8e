/**
 * The interpreter's thread. User code runs here, never on the thread that serves the sockets, so the
 * heartbeat and interrupts are answered while a cell spins.
 */
// First: loads TypeScript with its code cache before any module below requires it.
import { saveTypeScriptCache } from "./typescript-cache.js";
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import { complete, inspect, isComplete } from "./assist.js";
import { CellProgram } from "./cell-program.js";
import { Comms } from "./comms.js";
import { runInContext } from "./context.js";
import { Executor } from "./executor.js";
import { Interrupts } from "./interrupts.js";
import { installNotebookGlobals } from "./notebook-api.js";
import { Outputs } from "./output.js";
import { SHARED, type RequestKind, type RequestMap, type ToWorker } from "./protocol.js";
import { Stdin } from "./stdin.js";
import { installAsyncStackReset } from "./termination.js";

export interface WorkerData {
  shared: SharedArrayBuffer;
  input: SharedArrayBuffer;
  typeCheck: boolean;
  version: string;
}

const port = parentPort!;
const data = workerData as WorkerData;
const state = new Int32Array(data.shared);
const outputs = new Outputs(port);
const interrupts = new Interrupts();
const comms = new Comms(outputs);
const settings = { typeCheck: data.typeCheck };

let program: CellProgram | undefined;
const getProgram = () => (program ??= new CellProgram(process.cwd()));
const executor = new Executor(
  getProgram,
  interrupts,
  (phase) => Atomics.store(state, SHARED.phase, phase),
  () => Atomics.load(state, SHARED.interruptRequest),
  settings,
);

outputs.captureProcessStreams(process);
installAsyncStackReset();
installNotebookGlobals({ outputs, comms, stdin: new Stdin(state, new Uint8Array(data.input), outputs), settings, version: data.version });

// Errors thrown by callbacks a cell left behind (timers, events) are the cell's output, not a crash.
process.on("uncaughtException", (error) => outputs.write("stderr", `Uncaught ${executor.scripts.report(error).traceback.join("\n")}\n`));
process.on("unhandledRejection", (reason) => outputs.write("stderr", `Unhandled promise rejection: ${executor.scripts.report(reason).traceback.join("\n")}\n`));

type Handler<K extends RequestKind> = (body: RequestMap[K][0], parent: string) => RequestMap[K][1] | Promise<RequestMap[K][1]>;
const handlers: { [K in RequestKind]: Handler<K> } = {
  execute: (order, parent) => executor.execute(order, { parent, allowStdin: order.allowStdin }),
  complete: ({ code, cursor_pos }) => complete(getProgram(), code, cursor_pos),
  inspect: ({ code, cursor_pos, detail_level }) => inspect(getProgram(), code, cursor_pos, detail_level),
  is_complete: ({ code }) => isComplete(code),
  comm_open: async ({ comm_id, target_name, data, buffers }, parent) => ({
    opened: await runInContext({ parent, allowStdin: false }, () => comms.openedByClient(comm_id, target_name, data, buffers)),
  }),
  comm_msg: async ({ comm_id, data, buffers }, parent) => ({
    delivered: await runInContext({ parent, allowStdin: false }, () => comms.message(comm_id, data, buffers)),
  }),
  comm_close: ({ comm_id, data }, parent) => ({ closed: runInContext({ parent, allowStdin: false }, () => comms.closedByClient(comm_id, data)) }),
};

port.on("message", async (message: ToWorker) => {
  if (message.type === "interrupt") {
    Atomics.store(state, SHARED.interruptAck, message.seq);
    interrupts.interrupt();
    return;
  }
  const { id, kind, parent, body } = message;
  try {
    const result = await (handlers[kind] as Handler<RequestKind>)(body as never, parent);
    outputs.flush();
    port.postMessage({ type: "reply", id, ok: true, body: result });
  } catch (e) {
    outputs.flush();
    port.postMessage({ type: "reply", id, ok: false, error: (e as Error).stack ?? String(e) });
  }
});

port.postMessage({ type: "ready" });
// Parse the standard library and Node's types while nobody is waiting, so the first cell is quick.
setTimeout(() => {
  getProgram().warmUp();
  saveTypeScriptCache();
}, 0);
