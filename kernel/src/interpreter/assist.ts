/** Completion, inspection and is-complete, through the same language service that checks cells. */
// Through require: importing typescript.js as ES module has Node scan all 9 MB of it for exports first.
import ts = require("typescript");
import type { CellProgram } from "./cell-program.js";
import type { CompleteOutcome, InspectOutcome, IsCompleteOutcome } from "./protocol.js";

const IDENTIFIER_CHAR = /[\w$\u00c0-\uffff]/;

/** The kinds IPython reports in `_jupyter_types_experimental`, from TypeScript's element kinds. */
function jupyterType(kind: string): string {
  switch (kind) {
    case ts.ScriptElementKind.functionElement:
    case ts.ScriptElementKind.localFunctionElement:
    case ts.ScriptElementKind.memberFunctionElement:
    case ts.ScriptElementKind.constructSignatureElement:
    case ts.ScriptElementKind.callSignatureElement:
      return "function";
    case ts.ScriptElementKind.classElement:
    case ts.ScriptElementKind.localClassElement:
      return "class";
    case ts.ScriptElementKind.interfaceElement:
    case ts.ScriptElementKind.typeElement:
    case ts.ScriptElementKind.enumElement:
      return "type";
    case ts.ScriptElementKind.moduleElement:
    case ts.ScriptElementKind.externalModuleName:
      return "module";
    case ts.ScriptElementKind.keyword:
      return "keyword";
    case ts.ScriptElementKind.memberVariableElement:
    case ts.ScriptElementKind.memberGetAccessorElement:
    case ts.ScriptElementKind.memberSetAccessorElement:
    case ts.ScriptElementKind.enumMemberElement:
      return "property";
    case ts.ScriptElementKind.parameterElement:
      return "param";
    default:
      return "instance";
  }
}

/** Jupyter counts cursor positions in Unicode code points; JavaScript strings index UTF-16 units. */
export function codePointsToUnits(code: string, cursor: number): number {
  let units = 0;
  for (let points = 0; points < cursor && units < code.length; points++) {
    units += (code.codePointAt(units) ?? 0) > 0xffff ? 2 : 1;
  }
  return units;
}

export function unitsToCodePoints(code: string, units: number): number {
  return [...code.slice(0, units)].length;
}

export function complete(program: CellProgram, code: string, cursorPos: number): CompleteOutcome {
  const cursor = codePointsToUnits(code, cursorPos);
  let start = cursor;
  while (start > 0 && IDENTIFIER_CHAR.test(code[start - 1])) start--;
  const prefix = code.slice(start, cursor);
  const { service, fileName } = program.withPending(code);
  const completions = service.getCompletionsAtPosition(fileName, cursor, { includeCompletionsWithInsertText: true, includeCompletionsForModuleExports: false });
  const entries = (completions?.entries ?? [])
    .filter((e) => e.name.startsWith(prefix) && !e.name.startsWith("__jovial"))
    .sort((a, b) => (a.sortText === b.sortText ? a.name.localeCompare(b.name) : a.sortText < b.sortText ? -1 : 1));
  const cursorStart = unitsToCodePoints(code, start);
  const cursorEnd = unitsToCodePoints(code, cursor);
  return {
    matches: entries.map((e) => e.name),
    cursor_start: cursorStart,
    cursor_end: cursorEnd,
    metadata: {
      _jupyter_types_experimental: entries.map((e) => ({ start: cursorStart, end: cursorEnd, text: e.name, type: jupyterType(e.kind), signature: "" })),
    },
  };
}

export function inspect(program: CellProgram, code: string, cursorPos: number, detailLevel: number): InspectOutcome {
  let cursor = codePointsToUnits(code, cursorPos);
  // A cursor just after a name (`Math.floor|`) inspects that name.
  if (cursor > 0 && !IDENTIFIER_CHAR.test(code[cursor] ?? "") && IDENTIFIER_CHAR.test(code[cursor - 1])) cursor--;
  const { service, fileName } = program.withPending(code);
  const info = service.getQuickInfoAtPosition(fileName, cursor);
  if (!info) return { found: false, data: {}, metadata: {} };
  const definition = detailLevel > 0 ? service.getDefinitionAtPosition(fileName, cursor)?.[0] : undefined;
  const signature = ts.displayPartsToString(info.displayParts);
  const doc = ts.displayPartsToString(info.documentation);
  const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim());
  // Names of earlier cells are declared in the notebook's scope file, which is nowhere on disk.
  const where = definition && !definition.fileName.includes("__jovial_") ? `Defined in ${definition.fileName}` : "";
  const plain = [signature, doc, ...tags, where].filter(Boolean).join("\n\n");
  const markdown = ["```typescript\n" + signature + "\n```", doc, ...tags.map((t) => `*${t}*`), where].filter(Boolean).join("\n\n");
  return { found: true, data: { "text/plain": plain, "text/markdown": markdown }, metadata: {} };
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? "";
}

export function isComplete(code: string): IsCompleteOutcome {
  if (code.trim() === "") return { status: "complete" };
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const diagnostics = (source as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics;
  if (diagnostics.length === 0) return { status: "complete" };
  // Errors only at the very end ("'}' expected", an open template) mean the user is still typing.
  const end = code.trimEnd().length;
  const stillTyping = (d: ts.DiagnosticWithLocation) => d.start >= end || /Unterminated template/.test(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (diagnostics.every(stillTyping)) {
    const lastLine = code.split("\n").pop() ?? "";
    const opens = /[{([]\s*$/.test(code.trimEnd());
    return { status: "incomplete", indent: indentOf(lastLine) + (opens ? "  " : "") };
  }
  return { status: "invalid" };
}
