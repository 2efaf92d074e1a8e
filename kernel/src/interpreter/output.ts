/**
 * Output from the worker to the host. Stream text is batched, because a loop of `console.log` would
 * otherwise send a message per line, and flushed before any other output so the order is kept.
 */
import { setImmediate } from "node:timers";
import type { MessagePort } from "node:worker_threads";
import { currentContext } from "./context.js";
import type { FromWorker, OutputEvent } from "./protocol.js";

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 50;

export class Outputs {
  private pending: Array<{ parent: string | undefined; name: "stdout" | "stderr"; text: string }> = [];
  private pendingBytes = 0;
  private firstPendingAt = 0;
  private scheduled = false;

  constructor(private readonly port: Pick<MessagePort, "postMessage">) {}

  post(message: FromWorker, transfer?: ArrayBuffer[]): void {
    if (message.type === "output" && message.msg_type !== "stream") this.flush();
    this.port.postMessage(message, transfer);
  }

  emit(msgType: OutputEvent["msg_type"], content: Record<string, unknown>, extra: Pick<OutputEvent, "metadata" | "buffers"> = {}): void {
    this.post({ type: "output", parent: currentContext()?.parent, msg_type: msgType, content, ...extra });
  }

  write(name: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    const parent = currentContext()?.parent;
    const last = this.pending[this.pending.length - 1];
    if (last && last.parent === parent && last.name === name) last.text += text;
    else this.pending.push({ parent, name, text });
    if (this.pendingBytes === 0) this.firstPendingAt = Date.now();
    this.pendingBytes += text.length;
    // A busy loop never yields to setImmediate, so size and age also trigger a flush.
    if (this.pendingBytes > FLUSH_BYTES || Date.now() - this.firstPendingAt > FLUSH_MS) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const { parent, name, text } of chunks) {
      this.port.postMessage({ type: "output", parent, msg_type: "stream", content: { name, text } } satisfies FromWorker);
    }
  }

  /** Sends what `process.stdout`, `process.stderr` and so `console` print to the cell that printed it. */
  captureProcessStreams(proc: NodeJS.Process): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = proc[name];
      stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
        this.write(name, text);
        const cb = typeof encoding === "function" ? encoding : callback;
        if (typeof cb === "function") queueMicrotask(() => (cb as () => void)());
        return true;
      }) as typeof stream.write;
    }
  }
}
