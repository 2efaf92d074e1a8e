/**
 * A task is a module whose default export (or `task` export) is an async function of one input,
 * returning something JSON can carry. It is named by path or URL so that threads and other machines
 * can load it; TypeScript modules load through tsx when it is installed.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export type TaskFunction = (input: unknown) => Promise<unknown> | unknown;

/** An absolute URL for a task given as a path (relative to the working folder) or a URL. */
export function taskUrl(task: string | URL): string {
  if (task instanceof URL) return task.href;
  if (/^[a-z]+:/i.test(task) && !/^[a-z]:\\/i.test(task)) return task;
  const file = path.resolve(task);
  if (!existsSync(file)) throw new Error(`task module ${task}: no such file (resolved to ${file})`);
  return pathToFileURL(file).href;
}

export async function loadTask(url: string): Promise<TaskFunction> {
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const hint = /\.ts$/.test(url) ? " (TypeScript task modules need tsx: run node with --import tsx, as the kernel and jovial's worker do)" : "";
    throw new Error(`task module ${url} did not load: ${(e as Error).message}${hint}`);
  }
  const fn = (module.default ?? module.task) as TaskFunction | undefined;
  if (typeof fn !== "function") throw new Error(`task module ${url} exports no default (or \`task\`) function`);
  return fn;
}
