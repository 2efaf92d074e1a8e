/**
 * The notebook as a TypeScript program, for the language service: every cell that ran is a module of
 * its own, and a new cell imports from earlier cells the names it uses but does not declare itself.
 * Modules keep each cell's scope apart, so re-declaring `const x` in a later cell is no error, and
 * the checker's work per cell stays the same however long the notebook grows.
 *
 * The glue is appended after the user's text, never before it, so positions in the cell are
 * positions in the file: diagnostics, completions and hovers need no mapping.
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import ts from "typescript";
import { topLevelDeclarations, type Declaration } from "./declarations.js";
import { kernelRoot } from "./paths.js";

interface VirtualFile {
  text: string;
  version: number;
}

export interface CellDiagnostic {
  /** 1-based line and column within the cell. */
  line: number;
  column: number;
  code: number;
  category: "error" | "warning";
  message: string;
}

export interface CheckResult {
  diagnostics: CellDiagnostic[];
  declarations: Declaration[];
}

const require = createRequire(import.meta.url);

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ["lib.es2023.d.ts"],
  types: ["node"],
  typeRoots: [path.dirname(path.dirname(require.resolve("@types/node/package.json")))],
  strict: true,
  // A notebook is exploratory: untyped parameters are allowed, everything else strict mode checks is kept.
  noImplicitAny: false,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  resolveJsonModule: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  noEmit: true,
};

/** The kernel's own declarations of the notebook globals (`display`, `input`, …). */
const GLOBALS_FILE = path.join(kernelRoot, "types", "notebook.d.ts");

export class CellProgram {
  private readonly files = new Map<string, VirtualFile>();
  private readonly committed: string[] = [];
  /** For each name earlier cells declared: the cell module that declared it last, and how. */
  private readonly owners = new Map<string, { file: string; declaration: Declaration }>();
  private readonly service: ts.LanguageService;
  private readonly pendingFile: string;
  private roots: string[] = [GLOBALS_FILE];
  private diskCache = new Map<string, unknown>();
  private resolutionCache: ts.ModuleResolutionCache;
  /** Where bare imports resolve when the notebook's folder has no node_modules of its own. */
  private readonly fallbackImporter = path.join(kernelRoot, "__jovial_fallback__.ts");

  constructor(private readonly cwd: string) {
    this.pendingFile = path.join(cwd, "__jovial_pending__.ts");
    this.resolutionCache = ts.createModuleResolutionCache(cwd, (f) => f, compilerOptions);
    this.service = ts.createLanguageService(this.host(), ts.createDocumentRegistry());
  }

  /** Loads the standard library and Node's types now, so the first cell does not pay for them. */
  warmUp(): void {
    this.check("export {};");
  }

  private memo<T>(kind: string, file: string, compute: () => T): T {
    const key = `${kind}:${file}`;
    if (this.diskCache.has(key)) return this.diskCache.get(key) as T;
    const value = compute();
    this.diskCache.set(key, value);
    return value;
  }

  /** Forgets what was learnt about the disk, after a `npm install` or a new local module. */
  refreshDisk(): void {
    this.diskCache = new Map();
    this.resolutionCache = ts.createModuleResolutionCache(this.cwd, (f) => f, compilerOptions);
  }

  private host(): ts.LanguageServiceHost {
    const sys = ts.sys;
    const isStable = (f: string) => f.includes(`${path.sep}node_modules${path.sep}`) || f === GLOBALS_FILE;
    const fileExists = (f: string) => this.files.has(f) || this.memo("exists", f, () => sys.fileExists(f));
    const readFile = (f: string) => this.files.get(f)?.text ?? this.memo("read", f, () => sys.readFile(f));
    const resolveOne = (name: string, containingFile: string, mode: ts.ResolutionMode, redirect?: ts.ResolvedProjectReference) => {
      const host = { fileExists, readFile, directoryExists: (d: string) => this.memo("dir", d, () => sys.directoryExists(d)), realpath: sys.realpath, getCurrentDirectory: () => this.cwd };
      const first = ts.resolveModuleName(name, containingFile, compilerOptions, host, this.resolutionCache, redirect, mode);
      if (first.resolvedModule || name.startsWith(".") || path.isAbsolute(name)) return first;
      return ts.resolveModuleName(name, this.fallbackImporter, compilerOptions, host, this.resolutionCache, redirect, mode);
    };
    return {
      getScriptFileNames: () => this.roots,
      getScriptVersion: (f) => {
        const v = this.files.get(f);
        if (v) return String(v.version);
        if (isStable(f)) return "0";
        try {
          return String(statSync(f).mtimeMs);
        } catch {
          return "missing";
        }
      },
      getScriptSnapshot: (f) => {
        const text = readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => this.cwd,
      getCompilationSettings: () => compilerOptions,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists,
      readFile,
      readDirectory: sys.readDirectory,
      directoryExists: (d) => this.memo("dir", d, () => sys.directoryExists(d)),
      getDirectories: sys.getDirectories,
      realpath: sys.realpath,
      resolveModuleNameLiterals: (literals, containingFile, redirect, _options, sourceFile) =>
        literals.map((lit) => resolveOne(lit.text, containingFile, ts.getModeForUsageLocation(sourceFile, lit, compilerOptions), redirect)),
    };
  }

  /** The glue after a cell: its exports, and the earlier names it uses without declaring them. */
  private glue(declarations: Declaration[]): string {
    const own = new Set(declarations.map((d) => d.name));
    const exports = declarations.filter((d) => !d.exported).map((d) => d.name);
    const imports = new Map<string, string[]>();
    const lines: string[] = [`\n;export { ${exports.join(", ")} };`];
    for (const [name, { file, declaration }] of this.owners) {
      if (own.has(name)) continue;
      const specifier = "./" + path.basename(file, ".ts");
      if (declaration.kind === "mutable") {
        // An import would be read-only; a declared variable of the same type can be assigned.
        lines.push(`declare let ${name}: (typeof import(${JSON.stringify(specifier)}))[${JSON.stringify(name)}];`);
      } else {
        const list = imports.get(specifier) ?? [];
        list.push(declaration.kind === "type" ? `type ${name}` : name);
        imports.set(specifier, list);
      }
    }
    for (const [specifier, names] of imports) lines.push(`import { ${names.join(", ")} } from ${JSON.stringify(specifier)};`);
    return lines.join("\n");
  }

  private setFile(file: string, code: string): { declarations: Declaration[]; source: ts.SourceFile } {
    const source = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const declarations = topLevelDeclarations(source);
    const previous = this.files.get(file);
    this.files.set(file, { text: code + this.glue(declarations), version: (previous?.version ?? 0) + 1 });
    if (!this.roots.includes(file)) this.roots = [...this.roots, file];
    return { declarations, source };
  }

  /** Type-checks a cell as the next one, without committing it. */
  check(code: string): CheckResult {
    const { declarations, source } = this.setFile(this.pendingFile, code);
    let raw = this.diagnosticsOf(this.pendingFile);
    if (raw.some((d) => d.code === 2307 /* Cannot find module */)) {
      this.refreshDisk();
      raw = this.diagnosticsOf(this.pendingFile);
    }
    const diagnostics = raw.map((d) => toCellDiagnostic(d, source, code.length));
    return { diagnostics, declarations };
  }

  private diagnosticsOf(file: string): ts.Diagnostic[] {
    const syntactic = this.service.getSyntacticDiagnostics(file);
    if (syntactic.length > 0) return syntactic;
    return this.service.getSemanticDiagnostics(file).filter((d) => d.category === ts.DiagnosticCategory.Error);
  }

  /**
   * Makes a cell that ran part of the notebook's history, so later cells see its declarations. Cells
   * that failed to check are never committed; cells that threw at run time are, as their names exist.
   */
  commit(code: string): void {
    const file = path.join(this.cwd, `__jovial_cell_${this.committed.length + 1}__.ts`);
    const { declarations } = this.setFile(file, code);
    this.committed.push(file);
    for (const declaration of declarations) this.owners.set(declaration.name, { file, declaration });
  }

  /** The language service, with `code` as the pending cell: for completion and inspection. */
  withPending(code: string): { service: ts.LanguageService; fileName: string } {
    this.setFile(this.pendingFile, code);
    return { service: this.service, fileName: this.pendingFile };
  }

  get cellCount(): number {
    return this.committed.length;
  }

  dispose(): void {
    this.service.dispose();
  }
}

function toCellDiagnostic(d: ts.Diagnostic, source: ts.SourceFile, cellLength: number): CellDiagnostic {
  // Errors inside the appended glue (a conflict with an earlier cell) are reported at the cell's end.
  const start = Math.min(d.start ?? 0, cellLength);
  const { line, character } = source.getLineAndCharacterOfPosition(start);
  return {
    line: line + 1,
    column: character + 1,
    code: d.code,
    category: d.category === ts.DiagnosticCategory.Warning ? "warning" : "error",
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  };
}
