/**
 * One thread of the local pool: imports the task module once, then runs one input at a time as the
 * pool sends them. Errors are sent back as data; the thread stays up for the next input.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadTask } from "./task-module.js";

const task = await loadTask(workerData.task as string);
parentPort!.on("message", async (message: { id: number; input: unknown }) => {
  const started = performance.now();
  try {
    const value = await task(message.input);
    // Results travel as JSON (to the results file, to Redis): say so here rather than fail later.
    JSON.stringify(value);
    parentPort!.postMessage({ id: message.id, ok: true, value, seconds: (performance.now() - started) / 1000 });
  } catch (e) {
    const error = e instanceof Error ? { name: e.name, message: e.message } : { name: "Error", message: String(e) };
    parentPort!.postMessage({ id: message.id, ok: false, error, seconds: (performance.now() - started) / 1000 });
  }
});
parentPort!.postMessage({ ready: true });
