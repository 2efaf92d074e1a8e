/**
 * Errors as Jupyter shows them: ename, evalue and a traceback whose frames point at cell lines
 * (`In[3]:2:5`), with the kernel's own frames left out.
 */
import { inspect } from "node:util";
import type { CellDiagnostic } from "./cell-program.js";
import { decodeMappings, originalPosition, type LineMappings } from "./source-map.js";

export interface ErrorReport {
  ename: string;
  evalue: string;
  traceback: string[];
}

interface CellScript {
  label: string;
  map: LineMappings;
}

/** Generated script file names → what they were: filled as cells run, read when errors are shown. */
export class CellScripts {
  private readonly scripts = new Map<string, CellScript>();

  register(fileName: string, label: string, sourceMap: string): void {
    const parsed = sourceMap ? (JSON.parse(sourceMap) as { mappings: string }) : { mappings: "" };
    this.scripts.set(fileName, { label, map: decodeMappings(parsed.mappings) });
  }

  /** Rewrites one V8 stack line that points into a cell; undefined for any other line. */
  private cellFrame(line: string): string | undefined {
    const match = /^\s*at (?:(.*?) \()?(jovial-cell-\d+\.js):(\d+):(\d+)\)?$/.exec(line);
    const script = match && this.scripts.get(match[2]);
    if (!match || !script) return undefined;
    const pos = originalPosition(script.map, Number(match[3]) - 1, Number(match[4]) - 1);
    // The cell's async wrapper has no place in the user's text: it is the cell itself, already shown.
    if (!pos) return "";
    const where = `${script.label}:${pos.line + 1}:${pos.column + 1}`;
    const name = (match[1] ?? "").replace(/^async /, "");
    return name === "" ? `    at ${where}` : `    at ${name} (${where})`;
  }

  report(error: unknown): ErrorReport {
    if (!(error instanceof Error)) {
      return { ename: "Uncaught", evalue: inspect(error), traceback: [`Uncaught ${inspect(error)}`] };
    }
    const stack = (error.stack ?? `${error.name}: ${error.message}`).split("\n");
    let headLength = stack.findIndex((l) => /^\s+at /.test(l));
    if (headLength < 0) headLength = stack.length;
    const frames = stack.slice(headLength).map((l) => ({ line: l, cell: this.cellFrame(l) }));
    // Frames after the last one in a cell are the kernel running the cell: not the user's business.
    let lastCell = -1;
    frames.forEach((f, i) => {
      if (f.cell !== undefined) lastCell = i;
    });
    const shown = (lastCell >= 0 ? frames.slice(0, lastCell + 1) : frames).map((f) => f.cell ?? f.line).filter((l) => l !== "");
    return { ename: error.name || error.constructor?.name || "Error", evalue: error.message, traceback: [...stack.slice(0, headLength), ...shown] };
  }
}

/** Syntax errors (TypeScript's codes below 2000) are SyntaxErrors; the rest are type errors. */
export function typeErrorReport(label: string, code: string, diagnostics: CellDiagnostic[]): ErrorReport {
  const lines = code.split("\n");
  const syntax = diagnostics.every((d) => d.code < 2000);
  const ename = syntax ? "SyntaxError" : "TSError";
  const what = syntax ? "syntax error" : "type error";
  // Front ends show only the traceback, so it starts with the error's name as a stack does.
  const traceback: string[] = [`${ename}: ${diagnostics.length} ${what}${diagnostics.length === 1 ? "" : "s"} in ${label}`];
  for (const d of diagnostics) {
    traceback.push(`${label}:${d.line}:${d.column} - ${d.category} TS${d.code}: ${d.message}`);
    const source = lines[d.line - 1];
    if (source !== undefined) traceback.push(`    ${source}`, `    ${" ".repeat(d.column - 1)}^`);
  }
  traceback.push("", syntax ? "The cell did not run." : "The cell did not run. Put `// @ts-nocheck` on its first line to run it despite type errors.");
  const first = diagnostics[0];
  const count = diagnostics.length === 1 ? "" : ` (and ${diagnostics.length - 1} more)`;
  return { ename, evalue: `${label}:${first.line}:${first.column}: ${first.message}${count}`, traceback };
}
