/**
 * The local pool: worker threads over this machine's cores, each running one task at a time, with a
 * memory budget: a task starts only when the inputs in flight plus its own estimated size fit (one
 * runs alone whatever its size), so a batch of big cubes does not run the machine out of memory.
 * A thread that dies takes its task with it: the task is retried on a fresh thread.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { TaskResult } from "./results-log.js";

export interface PoolTask {
  key: string;
  input: unknown;
  size: number;
  attempts: number;
}

export interface PoolOptions {
  task: string;
  workers: number;
  memoryBudget: number;
  attempts: number;
  backoff: number;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy?: { task: PoolTask; id: number; started: number };
}

/** tsx's loader, when the task is TypeScript and tsx is installed where smoothy or the task is. */
function execArgvFor(task: string): string[] | undefined {
  if (!/\.[cm]?ts$/.test(task)) return undefined;
  for (const from of [process.cwd() + "/", import.meta.url]) {
    try {
      return ["--import", createRequire(from).resolve("tsx")];
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function runLocal(tasks: PoolTask[], options: PoolOptions, emit: (r: TaskResult) => void): Promise<void> {
  const pending = [...tasks];
  const slots: Slot[] = [];
  let inFlightBytes = 0;
  let nextId = 1;
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let remaining = tasks.length;
  if (remaining === 0) return;
  options.signal?.throwIfAborted();
  // Set once the run is over (done, failed or aborted): exits of the threads we terminate are not losses.
  let closed = false;
  const execArgv = execArgvFor(options.task);

  const spawn = (): Slot => {
    const worker = new Worker(new URL("./pool-worker.js", import.meta.url), { workerData: { task: options.task }, execArgv });
    let markReady!: () => void;
    const slot: Slot = { worker, ready: new Promise<void>((r) => (markReady = r)) };
    worker.on("message", (m: { ready?: boolean; id?: number; ok?: boolean; value?: unknown; error?: { name: string; message: string }; seconds?: number }) => {
      if (m.ready) return markReady();
      if (closed) return;
      const busy = slot.busy;
      if (!busy || busy.id !== m.id) return;
      slot.busy = undefined;
      inFlightBytes -= busy.task.size;
      if (!m.ok && busy.task.attempts + 1 < options.attempts) {
        retry(busy.task);
      } else {
        remaining--;
        record({
          key: busy.task.key,
          input: busy.task.input,
          ok: Boolean(m.ok),
          value: m.value,
          error: m.error,
          attempts: busy.task.attempts + 1,
          worker: "local",
          seconds: m.seconds ?? 0,
        });
      }
      schedule();
    });
    // A thread that dies (a task module that failed to load, process.exit() in a task, an abort in
    // native code) loses its task.
    worker.on("error", (e) => lost(slot, e));
    worker.on("exit", (code) => lost(slot, new Error(`worker thread exited with code ${code}`)));
    return slot;
  };

  /** Hands a result on; a failure there (the results file cannot be written) ends the run. */
  const record = (r: TaskResult) => {
    try {
      emit(r);
    } catch (e) {
      stop(e);
    }
  };

  const stop = (e: unknown) => {
    closed = true;
    fail(e);
  };

  const lost = (slot: Slot, error: Error) => {
    const i = slots.indexOf(slot);
    if (i < 0 || closed) return;
    slots.splice(i, 1);
    const busy = slot.busy;
    if (busy) {
      inFlightBytes -= busy.task.size;
      if (busy.task.attempts + 1 < options.attempts) retry(busy.task);
      else {
        remaining--;
        record({
          key: busy.task.key,
          input: busy.task.input,
          ok: false,
          error: { name: error.name, message: error.message },
          attempts: busy.task.attempts + 1,
          worker: "local",
          seconds: 0,
        });
      }
    } else if (slots.length === 0 && /did not load|exports no default/.test(error.message)) {
      // The module itself is broken: every task would fail the same way.
      return stop(error);
    }
    if (closed) return;
    if (remaining === 0) return finish();
    slots.push(spawn());
    schedule();
  };

  const retry = (task: PoolTask) => {
    const delay = options.backoff * 2 ** task.attempts;
    setTimeout(() => {
      if (closed) return;
      pending.unshift({ ...task, attempts: task.attempts + 1 });
      schedule();
    }, delay);
  };

  const schedule = () => {
    if (closed || options.signal?.aborted) return;
    if (remaining === 0) return finish();
    for (const slot of slots) {
      if (slot.busy || pending.length === 0) continue;
      const nothingRunning = slots.every((s) => !s.busy);
      const index = pending.findIndex((t) => nothingRunning || inFlightBytes + t.size <= options.memoryBudget);
      if (index < 0) return;
      const [task] = pending.splice(index, 1);
      inFlightBytes += task.size;
      slot.busy = { task, id: nextId++, started: performance.now() };
      const message = { id: slot.busy.id, input: task.input };
      void slot.ready.then(() => slot.worker.postMessage(message));
    }
  };

  const abort = () => stop(options.signal!.reason);
  options.signal?.addEventListener("abort", abort, { once: true });
  for (let i = 0; i < Math.max(1, Math.min(options.workers, tasks.length)); i++) slots.push(spawn());
  schedule();
  try {
    await finished;
  } finally {
    closed = true;
    options.signal?.removeEventListener("abort", abort);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
