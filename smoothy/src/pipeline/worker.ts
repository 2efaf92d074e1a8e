/**
 * `jovial worker --queue NAME [--redis URL] [--concurrency N] [--lock-duration MS]`: takes jobs from a
 * BullMQ queue and runs each job's task module on its input. Run as many as the cluster has room for,
 * wherever the same files are visible; stop with SIGTERM (the job in hand finishes first).
 */
import os from "node:os";
import { Worker } from "bullmq";
import { connectionOf } from "./redis-queue.js";
import { loadTask, type TaskFunction } from "./task-module.js";

const USAGE = "usage: jovial worker --queue NAME [--redis redis://127.0.0.1:6379] [--concurrency N] [--lock-duration MS]";

export async function main(_command: string, args: string[]): Promise<number> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i].replace(/^--/, "");
    if (!["queue", "redis", "concurrency", "lock-duration"].includes(name) || args[i + 1] === undefined) {
      console.error(`${args[i]}: unknown option or missing value\n${USAGE}`);
      return 2;
    }
    flags.set(name, args[++i]);
  }
  const queue = flags.get("queue");
  if (!queue) {
    console.error(`--queue is required\n${USAGE}`);
    return 2;
  }
  const lockDuration = Number(flags.get("lock-duration") ?? 30_000);
  const tasks = new Map<string, Promise<TaskFunction>>();
  const me = `${os.hostname()}:${process.pid}`;
  const worker = new Worker(queue, async (job) => {
    const { task, input } = job.data as { task: string; input: unknown };
    if (!tasks.has(task)) tasks.set(task, loadTask(task));
    const started = performance.now();
    const value = await (await tasks.get(task)!)(input);
    return { value, worker: me, seconds: (performance.now() - started) / 1000 };
  }, {
    connection: connectionOf(flags.get("redis") ?? "redis://127.0.0.1:6379"),
    concurrency: Number(flags.get("concurrency") ?? 1),
    // A dead worker's job goes back to the queue once its lock has not been renewed for this long.
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: 3,
  });
  worker.on("failed", (job, error) => console.error(`[worker ${me}] ${job?.data?.key}: ${error.message}`));
  await worker.waitUntilReady();
  console.error(`[worker ${me}] taking jobs from ${queue}`);
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve());
  });
  await worker.close();
  return 0;
}
