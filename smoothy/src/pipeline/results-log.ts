/**
 * Results as they complete, one JSON line each, appended and flushed: a crash of the submitting
 * notebook loses nothing, and a run started again with the same file skips what is already there.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface TaskResult<I = unknown, R = unknown> {
  /** The input's identity: a file path as given, else its JSON. */
  key: string;
  input: I;
  ok: boolean;
  value?: R;
  error?: { name: string; message: string };
  attempts: number;
  /** Who ran it: "local" or a worker's host:pid. */
  worker?: string;
  seconds: number;
}

export function keyOf(input: unknown): string {
  return typeof input === "string" ? input : (JSON.stringify(input) ?? String(input));
}

/** A stable id for a task and an input (BullMQ job ids may not contain every character a path can). */
export function idOf(task: string, key: string): string {
  return createHash("sha1").update(task).update("\0").update(key).digest("hex");
}

export class ResultsLog {
  constructor(readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    // A line a crash cut short must not swallow the next result: end it.
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8");
      if (text.length > 0 && !text.endsWith("\n")) appendFileSync(file, "\n");
    }
  }

  /** The results already written (a torn last line from a crash is ignored). */
  read(): Map<string, TaskResult> {
    const done = new Map<string, TaskResult>();
    if (!existsSync(this.file)) return done;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as TaskResult;
        done.set(r.key, r);
      } catch {
        // the line a crash cut short: that task runs again
      }
    }
    return done;
  }

  append(result: TaskResult): void {
    appendFileSync(this.file, JSON.stringify(result) + "\n");
  }
}
