/**
 * Progress and cancellation of long work. Progress: a bar under the cell in a JOVIAL notebook (a
 * display updated in place), a bar on stderr in a terminal, nothing otherwise. It appears only once
 * the work has taken half a second, so quick calls leave no trace, and it updates at most ten times a
 * second. Cancellation: every update checks an AbortSignal, the caller's or else the running cell's
 * (`jovial.signal`, which the kernel aborts on an interrupt), so interrupted work stops at its next
 * step instead of running on unseen.
 */
import { escapeHtml } from "./html.js";
import { cellSignal, notebook, type DisplayHandle } from "./notebook.js";

export interface Progress {
  /** `done` units of the total are finished. */
  update(done: number): void;
  finish(): void;
}

const SHOW_AFTER_MS = 500;
const EVERY_MS = 100;

function bar(fraction: number, width: number): string {
  const full = Math.round(fraction * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/** Throws the abort reason (the kernel's "Interrupted" error, or an AbortError) once `signal` is aborted. */
export function checkCancelled(signal: AbortSignal | undefined = cellSignal()): void {
  signal?.throwIfAborted();
}

/** `signal`: the work's cancellation (default: the running cell's); null when the caller cancels by other means. */
export function progress(label: string, total: number, signal: AbortSignal | null | undefined = cellSignal()): Progress {
  const started = Date.now();
  let last = 0;
  let shown: DisplayHandle | undefined;
  let terminal = false;
  const context = notebook();
  const render = (done: number, finished: boolean) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const text = `${label} ${finished ? "done" : `${Math.floor(fraction * 100)}%`} (${seconds} s)`;
    if (context) {
      const bundle = {
        "text/plain": `${bar(fraction, 30)} ${text}`,
        "text/html": `<div style="font:12px sans-serif"><progress value="${fraction}" max="1" style="width:240px;vertical-align:middle"></progress> ${escapeHtml(text)}</div>`,
      };
      if (!shown) shown = context.display(bundle, { display_id: true });
      else void shown.update(bundle);
    } else if (process.stderr.isTTY) {
      terminal = true;
      process.stderr.write(`\r${bar(fraction, 30)} ${text}${finished ? "\n" : ""}`);
    }
  };
  return {
    update(done) {
      signal?.throwIfAborted();
      const now = Date.now();
      if (now - started < SHOW_AFTER_MS || now - last < EVERY_MS) return;
      last = now;
      render(done, false);
    },
    finish() {
      if (shown || terminal) render(total, true);
    },
  };
}
