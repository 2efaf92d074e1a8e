/**
 * `distribute(inputs, task, options)`: one task per input, on this machine's cores by default or on a
 * cluster through Redis, with results streaming back as they finish (an async iterator), into a table,
 * and into a results file as they complete, so nothing finished is lost and a run can be resumed.
 */
import { statSync } from "node:fs";
import os from "node:os";
import { cellSignal } from "../common/notebook.js";
import { progress } from "../common/progress.js";
import { runLocal, type PoolTask } from "./local-pool.js";
import { keyOf, ResultsLog, type TaskResult } from "./results-log.js";
import { taskUrl } from "./task-module.js";

export interface DistributeOptions<I> {
  /** Local threads (default: this machine's cores). */
  workers?: number;
  /** Bytes the tasks in flight may need together (default: half the free memory). */
  memoryBudget?: number;
  /** Bytes one input's task needs (default: for a path, twice the file's size; else 0). */
  size?: (input: I) => number;
  /** A Redis URL (redis://host:port): run on `jovial worker` processes through BullMQ instead of locally. */
  redis?: string;
  /** The BullMQ queue's name (default "jovial"). */
  queue?: string;
  /** A JSON-lines file the results are appended to as they complete; inputs that succeeded in it are skipped. */
  results?: string;
  /** Tries per input (default 3), with exponential backoff from `backoff` ms (default 200). */
  attempts?: number;
  backoff?: number;
  signal?: AbortSignal;
  /** The progress bar's label. */
  label?: string;
}

/** A run in progress: iterate its results as they finish, or await them all. */
export class Run<I, R> implements AsyncIterable<TaskResult<I, R>> {
  /** Every result so far (those of an earlier run from the results file first). */
  readonly results: Array<TaskResult<I, R>> = [];
  readonly done: Promise<Array<TaskResult<I, R>>>;
  private readonly waiters: Array<() => void> = [];
  private settled = false;

  constructor(start: (emit: (r: TaskResult<I, R>) => void) => Promise<void>) {
    this.done = start((r) => {
      this.results.push(r);
      this.wake();
    })
      .then(
        () => this.results,
        (e) => {
          throw e;
        },
      )
      .finally(() => {
        this.settled = true;
        this.wake();
      });
    this.done.catch(() => undefined); // the iterator and `done` both report the error
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TaskResult<I, R>> {
    let seen = 0;
    for (;;) {
      while (seen < this.results.length) yield this.results[seen++];
      if (this.settled) {
        await this.done;
        return;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The failures, each with its input and error. */
  get failures(): Array<TaskResult<I, R>> {
    return this.results.filter((r) => !r.ok);
  }

  /**
   * One row per value (or per element when a task returns an array of rows), with the input's key:
   * the catalogue of the whole run, as plain objects.
   */
  rows(): Array<Record<string, unknown>> {
    return this.results
      .filter((r) => r.ok)
      .flatMap((r) => (Array.isArray(r.value) ? r.value : [r.value]).map((v) => ({ input: r.key, ...(typeof v === "object" && v !== null ? v : { value: v }) })));
  }
}

/** Half the memory this process may still use: the container's limit when there is one (a notebook pod), else the machine's free memory. */
function defaultBudget(): number {
  const limit = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  const free = limit > 0 && limit < Number.MAX_SAFE_INTEGER ? Math.min(os.freemem(), limit - process.memoryUsage.rss()) : os.freemem();
  return Math.max(0, free) / 2;
}

function defaultSize(input: unknown): number {
  if (typeof input !== "string") return 0;
  try {
    return 2 * statSync(input).size;
  } catch {
    return 0;
  }
}

export function distribute<I, R = unknown>(inputs: Iterable<I>, task: string | URL, options: DistributeOptions<I> = {}): Run<I, R> {
  const url = taskUrl(task);
  const signal = options.signal ?? cellSignal();
  signal?.throwIfAborted();
  const log = options.results ? new ResultsLog(options.results) : undefined;
  // Only successes are kept: a failure (a corrupt file, a thread out of memory) is tried again on resume.
  const previous = new Map([...(log?.read() ?? new Map<string, TaskResult>())].filter(([, r]) => r.ok));
  const all = [...inputs];
  const seen = new Set<string>();
  const tasks: PoolTask[] = [];
  for (const input of all) {
    const key = keyOf(input);
    if (seen.has(key)) continue; // an input given twice is processed once
    seen.add(key);
    if (!previous.has(key)) tasks.push({ key, input, size: (options.size ?? defaultSize)(input), attempts: 0 });
  }
  return new Run<I, R>(async (emit) => {
    for (const r of previous.values()) if (seen.has(r.key)) emit(r as TaskResult<I, R>);
    const bar = progress(options.label ?? `${seen.size} tasks`, seen.size, signal);
    let done = seen.size - tasks.length;
    const record = (r: TaskResult) => {
      log?.append(r);
      emit(r as TaskResult<I, R>);
      bar.update(++done);
    };
    const common = { task: url, attempts: options.attempts ?? 3, backoff: options.backoff ?? 200, signal };
    // BullMQ and ioredis load only for a run on a cluster: `import "smoothy"` stays light.
    if (options.redis) await (await import("./redis-queue.js")).runRedis(tasks, { ...common, redis: options.redis, queue: options.queue ?? "jovial" }, record);
    else await runLocal(tasks, { ...common, workers: options.workers ?? os.availableParallelism(), memoryBudget: options.memoryBudget ?? defaultBudget() }, record);
    bar.finish();
  });
}
