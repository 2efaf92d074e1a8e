/**
 * The cluster path: BullMQ on Redis. The submitter adds one job per input (its id derived from the
 * input, so a resumed run does not add it twice) and listens for the final outcome of each; `jovial
 * worker` processes anywhere that sees the same files take the jobs. BullMQ retries failed jobs with
 * exponential backoff, and its stalled-job check hands the job of a worker that died (a SIGKILL, a
 * lost node) to another one once the dead worker's lock expires.
 */
import { Queue, QueueEvents, type Job } from "bullmq";
import { idOf, type TaskResult } from "./results-log.js";
import type { PoolTask } from "./local-pool.js";

export interface RedisOptions {
  redis: string;
  queue: string;
  task: string;
  attempts: number;
  backoff: number;
  signal?: AbortSignal;
}

export function connectionOf(url: string): { host: string; port: number; password?: string; db?: number; maxRetriesPerRequest: null } {
  const u = new URL(url);
  if (u.protocol !== "redis:") throw new Error(`--redis ${url}: expected redis://host:port`);
  return {
    host: u.hostname || "127.0.0.1",
    port: Number(u.port || 6379),
    password: u.password || undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    maxRetriesPerRequest: null,
  };
}

interface JobData {
  task: string;
  key: string;
  input: unknown;
}

function resultOf(job: Job<JobData>, ok: boolean): TaskResult {
  const value = ok ? ((typeof job.returnvalue === "string" ? JSON.parse(job.returnvalue) : job.returnvalue) as { value: unknown; worker: string; seconds: number }) : undefined;
  return {
    key: job.data.key,
    input: job.data.input,
    ok,
    value: value?.value,
    error: ok ? undefined : { name: "Error", message: job.failedReason || "failed" },
    attempts: job.attemptsMade,
    worker: value?.worker,
    seconds: value?.seconds ?? 0,
  };
}

export async function runRedis(tasks: PoolTask[], options: RedisOptions, emit: (r: TaskResult) => void): Promise<void> {
  const connection = connectionOf(options.redis);
  const queue = new Queue<JobData>(options.queue, { connection });
  const events = new QueueEvents(options.queue, { connection });
  options.signal?.throwIfAborted();
  const waiting = new Map(tasks.map((t) => [idOf(options.task, t.key), t]));
  const settling = new Set<string>();
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const settle = async (jobId: string, ok: boolean) => {
    // Claimed before the first await: an event and the start-up check may both report one job.
    if (!waiting.has(jobId) || settling.has(jobId)) return;
    settling.add(jobId);
    try {
      const job = await queue.getJob(jobId);
      if (!job) return;
      // "failed" is final only when no attempt is left; a retry puts the job back to wait.
      if (!ok && (await job.getState()) !== "failed") return;
      waiting.delete(jobId);
      emit(resultOf(job, ok));
      if (waiting.size === 0) finish();
    } finally {
      settling.delete(jobId);
    }
  };
  events.on("completed", ({ jobId }) => void settle(jobId, true).catch(fail));
  events.on("failed", ({ jobId }) => void settle(jobId, false).catch(fail));
  const abort = () => fail(options.signal!.reason);
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    await events.waitUntilReady();
    if (waiting.size === 0) return;
    // Jobs already there from an earlier, interrupted run keep their outcome or their place in line.
    for (const [jobId] of [...waiting]) {
      const job = await queue.getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      if (state === "completed") await settle(jobId, true);
      else if (state === "failed") await settle(jobId, false);
    }
    const fresh = [...waiting.entries()].filter(([, t]) => t.attempts === 0);
    await queue.addBulk(
      fresh.map(([jobId, t]) => ({
        name: "task",
        data: { task: options.task, key: t.key, input: t.input },
        opts: { jobId, attempts: options.attempts, backoff: { type: "exponential", delay: options.backoff }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    if (waiting.size > 0) await finished;
  } finally {
    options.signal?.removeEventListener("abort", abort);
    await events.close();
    await queue.close();
  }
}
