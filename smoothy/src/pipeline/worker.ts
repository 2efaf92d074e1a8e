/**
 * `jovial worker --queue NAME [--redis URL] [--concurrency N] [--lock-duration MS]`: takes jobs from a
 * BullMQ queue and runs each job's task module on its input (only modules under its allowed folders).
 * Run as many as the cluster has room for,
 * wherever the same files are visible; stop with SIGTERM (the job in hand finishes first).
 */
import { realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "bullmq";
import { connectionOf } from "./redis-queue.js";
import { loadTask, type TaskFunction } from "./task-module.js";
import { parseCommand, positiveInteger, runCommand, UsageError } from "@jovial/kernel/command";

const USAGE = "usage: jovial worker --queue NAME [--redis redis://127.0.0.1:6379] [--concurrency N] [--lock-duration MS] [--allow DIR]...";

/**
 * A job names the module to run, and anyone who can reach Redis can add jobs: this worker runs only
 * file: modules inside `roots` (smoothy's tasks, its user's home, --allow folders), never data: or
 * http: URLs, so a job cannot make it run code its user did not put there.
 */
function allowed(task: string, roots: string[]): void {
  let file: string;
  try {
    file = fileURLToPath(task);
  } catch {
    throw new Error(`task ${task.slice(0, 80)}: only file: modules run on workers`);
  }
  const real = (() => {
    try {
      return realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  })();
  if (!roots.some((root) => real === root || real.startsWith(root + path.sep))) {
    throw new Error(`task ${file}: outside the folders this worker runs tasks from (${roots.join(", ")}); start it with --allow DIR`);
  }
}

const OPTIONS = {
  queue: { type: "string" },
  redis: { type: "string" },
  concurrency: { type: "string" },
  "lock-duration": { type: "string" },
  allow: { type: "string", multiple: true },
} as const;

export function main(_command: string, args: string[]): Promise<number> {
  return runCommand(USAGE, args, () => work(args));
}

async function work(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const queue = values.queue;
  if (!queue) throw new UsageError("--queue is required");
  const lockDuration = positiveInteger("lock-duration", values["lock-duration"]) ?? 30_000;
  const concurrency = positiveInteger("concurrency", values.concurrency) ?? 1;
  const allowFlags = values.allow ?? [];
  // Task modules a job may name: smoothy's own, and files under the worker user's home or --allow folders.
  const roots = [
    path.resolve(fileURLToPath(new URL("..", import.meta.url))),
    ...(process.env.HOME ? [path.resolve(process.env.HOME)] : []),
    ...allowFlags.map((d) => path.resolve(d)),
  ];
  const tasks = new Map<string, Promise<TaskFunction>>();
  const me = `${os.hostname()}:${process.pid}`;
  const worker = new Worker(
    queue,
    async (job) => {
      const { task, input } = job.data as { task: string; input: unknown };
      allowed(task, roots);
      if (!tasks.has(task)) {
        const loading = loadTask(task);
        tasks.set(task, loading);
        // A failed import (a file system hiccup) is tried again by the next job, not cached.
        loading.catch(() => tasks.delete(task));
      }
      const started = performance.now();
      const value = await (await tasks.get(task)!)(input);
      return { value, worker: me, seconds: (performance.now() - started) / 1000 };
    },
    {
      connection: connectionOf(values.redis ?? "redis://127.0.0.1:6379"),
      concurrency,
      // A dead worker's job goes back to the queue once its lock has not been renewed for this long.
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on("failed", (job, error) => console.error(`[worker ${me}] ${job?.data?.key}: ${error.message}`));
  await worker.waitUntilReady();
  console.error(`[worker ${me}] taking jobs from ${queue}`);
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve());
  });
  await worker.close();
  return 0;
}
