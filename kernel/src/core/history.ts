/**
 * Input history, kept per user across kernel restarts (IPython keeps it in a profile database; we keep
 * one JSON line per cell). Each kernel start is a new session, numbered from a counter beside it.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HistoryEntryRequest } from "../protocol/messages.js";
import { log } from "../common/log.js";

interface Entry {
  s: number;
  l: number;
  i: string;
  o?: string;
}

export type HistoryItem = [number, number, string | [string, string | null]];

export function defaultHistoryDir(env = process.env): string {
  if (env.JOVIAL_HISTORY_DIR) return env.JOVIAL_HISTORY_DIR;
  const data = env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(data, "jovial");
}

/** `*` and `?` as in IPython's history search, anchored at both ends. */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${escaped}$`);
}

export class HistoryStore {
  readonly session: number;
  private readonly file: string;
  private entries?: Entry[];
  private writable = true;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, "history.jsonl");
    this.session = this.nextSession();
  }

  private nextSession(): number {
    const counter = path.join(this.dir, "session");
    try {
      mkdirSync(this.dir, { recursive: true });
      let last = 0;
      try {
        last = Number.parseInt(readFileSync(counter, "utf8"), 10) || 0;
      } catch {
        // First kernel of this user.
      }
      const temp = `${counter}.${process.pid}.tmp`;
      writeFileSync(temp, String(last + 1));
      renameSync(temp, counter);
      return last + 1;
    } catch (e) {
      this.writable = false;
      log("warn", `history: ${this.dir} is not writable (${(e as Error).message}); history lives in memory only`);
      return 1;
    }
  }

  private load(): Entry[] {
    if (this.entries) return this.entries;
    const entries: Entry[] = [];
    let text = "";
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      // No history yet.
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as Entry);
      } catch {
        log("warn", `history: skipped a damaged line in ${this.file}`);
      }
    }
    this.entries = entries;
    return entries;
  }

  append(line: number, input: string, output?: string): void {
    const entry: Entry = { s: this.session, l: line, i: input, ...(output !== undefined ? { o: output } : {}) };
    this.load().push(entry);
    if (!this.writable) return;
    try {
      appendFileSync(this.file, JSON.stringify(entry) + "\n");
    } catch (e) {
      this.writable = false;
      log("warn", `history: cannot append to ${this.file}: ${(e as Error).message}`);
    }
  }

  query(request: HistoryEntryRequest): HistoryItem[] {
    const all = this.load();
    let selected: Entry[];
    switch (request.hist_access_type) {
      case "tail":
        selected = all.slice(-(request.n ?? 10));
        break;
      case "range": {
        // Session 0 is this one; negative numbers count back from it, as in IPython.
        const s = request.session ?? 0;
        const session = s <= 0 ? this.session + s : s;
        const start = request.start ?? 1;
        const stop = request.stop ?? Number.POSITIVE_INFINITY;
        selected = all.filter((e) => e.s === session && e.l >= start && (request.stop === undefined || request.stop === null || e.l < stop));
        break;
      }
      case "search": {
        const re = globToRegExp(request.pattern ?? "*");
        let hits = all.filter((e) => re.test(e.i));
        if (request.unique) {
          const seen = new Set<string>();
          hits = hits
            .reverse()
            .filter((e) => (seen.has(e.i) ? false : (seen.add(e.i), true)))
            .reverse();
        }
        selected = request.n ? hits.slice(-request.n) : hits;
        break;
      }
      default:
        selected = [];
    }
    return selected.map((e) => [e.s, e.l, request.output ? [e.i, e.o ?? null] : e.i]);
  }
}
