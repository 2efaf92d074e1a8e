/**
 * The interpreter seen from the socket thread: starts the worker, forwards requests to it, and
 * interrupts it. An interrupt first asks politely; if user code holds the worker's loop, it is
 * terminated through the inspector (`Runtime.terminateExecution`), which stops that code and leaves
 * the worker, and everything the notebook defined, alive.
 */
import inspector from "node:inspector";
import { Worker } from "node:worker_threads";
import { log } from "../common/log.js";
import { INPUT_BYTES, PHASE, SHARED, type FromWorker, type OutputEvent, type RequestKind, type RequestMap, type ToWorker } from "./protocol.js";
import { RESET_EXPRESSION } from "./termination.js";
import type { WorkerData } from "./worker.js";

export interface HostEvents {
  output(event: OutputEvent): void;
  inputRequest(parent: string, prompt: string, password: boolean): void;
  comms(open: Record<string, { target_name: string }>): void;
  /** The worker ended without being asked to (`process.exit()` in a cell, or a fatal error). */
  exit(code: number): void;
}

/** How long a busy worker has to take an interrupt itself before its code is terminated. */
const POLITE_INTERRUPT_MS = 30;

export class InterpreterHost {
  private worker!: Worker;
  private readonly shared = new SharedArrayBuffer(SHARED.size * 4);
  private readonly state = new Int32Array(this.shared);
  private readonly inputBuffer = new SharedArrayBuffer(INPUT_BYTES);
  private nextId = 1;
  private interruptSeq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private session?: inspector.Session;
  private workerSession?: string;
  private closing = false;
  private exited?: number;
  awaitingInput = false;

  constructor(
    private readonly events: HostEvents,
    private readonly options: { typeCheck: boolean; version: string },
  ) {}

  start(): Promise<void> {
    const data: WorkerData = { shared: this.shared, input: this.inputBuffer, typeCheck: this.options.typeCheck, version: this.options.version };
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: data, stdout: false, stderr: false });
    this.attachInspector();
    this.worker.on("error", (e) => log("error", `interpreter: ${e.stack ?? e.message}`));
    this.worker.on("exit", (code) => {
      this.exited = code;
      for (const p of this.pending.values()) p.reject(new Error(`the interpreter exited with code ${code}`));
      this.pending.clear();
      if (!this.closing) this.events.exit(code);
    });
    return new Promise((resolve) => {
      this.worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") resolve();
        else this.receive(message);
      });
    });
  }

  private attachInspector(): void {
    this.session = new inspector.Session();
    this.session.connect();
    this.session.on("NodeWorker.attachedToWorker", (m) => {
      this.workerSession = (m.params as { sessionId: string }).sessionId;
    });
    this.session.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "reply": {
        const p = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) p?.resolve(message.body);
        else p?.reject(new Error(message.error));
        break;
      }
      case "output":
        this.events.output(message);
        break;
      case "input_request":
        this.awaitingInput = true;
        this.events.inputRequest(message.parent, message.prompt, message.password);
        break;
      case "comms":
        this.events.comms(message.open);
        break;
    }
  }

  request<K extends RequestKind>(kind: K, parent: string, body: RequestMap[K][0]): Promise<RequestMap[K][1]> {
    const id = this.nextId++;
    if (this.exited !== undefined) return Promise.reject(new Error(`the interpreter has exited (code ${this.exited})`));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ type: "request", id, kind, parent, body } satisfies ToWorker);
    });
  }

  /** Hands the answer to a waiting `prompt()`; `undefined` tells it that it was interrupted. */
  answerInput(value: string | undefined): void {
    if (!this.awaitingInput) return;
    this.awaitingInput = false;
    if (value !== undefined) {
      const bytes = Buffer.from(value, "utf8").subarray(0, INPUT_BYTES);
      new Uint8Array(this.inputBuffer).set(bytes);
      Atomics.store(this.state, SHARED.inputLength, bytes.length);
    }
    Atomics.store(this.state, SHARED.inputState, value === undefined ? 2 : 1);
    Atomics.notify(this.state, SHARED.inputState);
  }

  get busy(): boolean {
    return Atomics.load(this.state, SHARED.phase) !== PHASE.idle;
  }

  async interrupt(): Promise<void> {
    const seq = ++this.interruptSeq;
    Atomics.store(this.state, SHARED.interruptRequest, seq);
    this.answerInput(undefined);
    this.worker.postMessage({ type: "interrupt", seq } satisfies ToWorker);
    const deadline = Date.now() + POLITE_INTERRUPT_MS;
    while (Date.now() < deadline) {
      if (Atomics.load(this.state, SHARED.interruptAck) === seq) return;
      await new Promise((r) => setTimeout(r, 2));
    }
    if (Atomics.load(this.state, SHARED.interruptAck) === seq || Atomics.load(this.state, SHARED.phase) !== PHASE.running) return;
    await this.terminateRunningCode();
  }

  private terminateRunningCode(): Promise<void> {
    const session = this.session;
    const sessionId = this.workerSession;
    if (!session || !sessionId) {
      log("warn", "interrupt: the interpreter's inspector session is not attached; cannot stop running code");
      return Promise.resolve();
    }
    log("info", "interrupt: terminating code that holds the interpreter");
    const send = (id: number, method: string, params: object = {}) =>
      new Promise<void>((resolve) => session.post("NodeWorker.sendMessageToWorker", { sessionId, message: JSON.stringify({ id, method, params }) }, () => resolve()));
    // Both run in the worker at its next interrupt check, inside the spinning code, in this order.
    return Promise.all([send(1, "Runtime.evaluate", { expression: RESET_EXPRESSION }), send(2, "Runtime.terminateExecution")]).then(() => undefined);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.session?.disconnect();
    await this.worker?.terminate();
  }
}
