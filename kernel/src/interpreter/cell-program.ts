/**
 * The notebook as a TypeScript program, for the language service. Its files stay the same from cell
 * to cell: the standard library and Node's types, the kernel's globals, the notebook's scope (one
 * ambient file, see scope.ts) and the pending cell, a module. So the program is rebuilt with full
 * structure reuse for each cell, whatever the notebook's length. The same program emits the cell's
 * JavaScript (through the transformer in transpile.ts) and its declarations (for the scope).
 *
 * The only glue in a cell is an `export` appended after the user's text, never before it, so
 * positions in the cell are positions in the file: diagnostics, completions and hovers need no mapping.
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
// Through require: importing typescript.js as ES module has Node scan all 9 MB of it for exports first.
import ts = require("typescript");
import { topLevelDeclarations, type Declaration } from "./declarations.js";
import { kernelRoot } from "./paths.js";
import { importModuleText, NotebookScope } from "./scope.js";
import { globalScopeTransformer, wrapObjectLiteral } from "./transpile.js";

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

export interface CompiledCell {
  /** A script for `vm`, in the shape transpile.ts describes. */
  code: string;
  sourceMap: string;
  /** The cell's declarations, for the scope of later cells. */
  dts: string;
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
  // Emit is in memory only: JavaScript with a source map for running, declarations for the scope.
  declaration: true,
  sourceMap: true,
  noEmitOnError: false,
  useDefineForClassFields: true,
  // Do not look for @typescript/lib-* packages in every node_modules on every program rebuild.
  libReplacement: false,
};

/** The kernel's own declarations of the notebook globals (`display`, `input`, …). */
const GLOBALS_FILE = path.join(kernelRoot, "types", "notebook.d.ts");

export class CellProgram {
  private readonly files = new Map<string, VirtualFile>();
  private importCounter = 0;
  private readonly scope = new NotebookScope();
  /** Whether the pending cell was wrapped in parentheses (an object literal), shifting line 1 by one. */
  private pendingWrapped = false;
  private readonly service: ts.LanguageService;
  private readonly pendingFile: string;
  /** The notebook's scope: a .d.ts, so a script, so global to every cell. */
  private readonly scopeFile: string;
  private roots: string[];
  private diskCache = new Map<string, unknown>();
  private resolutionCache: ts.ModuleResolutionCache;
  /** Where bare imports resolve when the notebook's folder has no node_modules of its own. */
  private readonly fallbackImporter = path.join(kernelRoot, "__jovial_fallback__.ts");

  constructor(private readonly cwd: string) {
    this.pendingFile = path.join(cwd, "__jovial_pending__.ts");
    this.scopeFile = path.join(cwd, "__jovial_scope__.d.ts");
    this.files.set(this.scopeFile, { text: "", version: 1 });
    this.roots = [GLOBALS_FILE, this.scopeFile, this.pendingFile];
    this.files.set(this.pendingFile, { text: "export {};", version: 1 });
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

  /** The language service reads `getModuleResolutionCache` from its host although its types omit it. */
  private host(): ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } {
    const sys = ts.sys;
    const isStable = (f: string) => f.includes(`${path.sep}node_modules${path.sep}`) || f === GLOBALS_FILE;
    const fileExists = (f: string) => this.files.has(f) || this.memo("exists", f, () => sys.fileExists(f));
    const readFile = (f: string) => this.files.get(f)?.text ?? this.memo("read", f, () => sys.readFile(f));
    const resolveOne = (name: string, containingFile: string, mode: ts.ResolutionMode, redirect?: ts.ResolvedProjectReference) => {
      const host = {
        fileExists,
        readFile,
        directoryExists: (d: string) => this.memo("dir", d, () => sys.directoryExists(d)),
        realpath: sys.realpath,
        getCurrentDirectory: () => this.cwd,
      };
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
      // Shared with resolution so that package.json scopes are read once, not once per file per cell.
      getModuleResolutionCache: () => this.resolutionCache,
      resolveModuleNameLiterals: (literals, containingFile, redirect, _options, sourceFile) =>
        literals.map((lit) => resolveOne(lit.text, containingFile, ts.getModeForUsageLocation(sourceFile, lit, compilerOptions), redirect)),
    };
  }

  private setFile(file: string, text: string): void {
    const previous = this.files.get(file);
    if (previous?.text === text) return;
    this.files.set(file, { text, version: (previous?.version ?? 0) + 1 });
    if (!this.roots.includes(file)) this.roots = [...this.roots, file];
  }

  /** Makes `code` the pending cell: it exports every name it declares, for its declaration emit. */
  private setPending(code: string): { declarations: Declaration[]; source: ts.SourceFile } {
    const text = wrapObjectLiteral(code);
    this.pendingWrapped = text !== code;
    const source = ts.createSourceFile(this.pendingFile, code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const declarations = topLevelDeclarations(source);
    const exports = declarations.filter((d) => !d.exported).map((d) => d.name);
    this.setFile(this.pendingFile, `${text}\n;export { ${exports.join(", ")} };`);
    return { declarations, source };
  }

  /** Checks a cell as the next one, without committing it: syntax always, types when asked. */
  check(code: string, options: { types: boolean } = { types: true }): CheckResult {
    const { declarations, source } = this.setPending(code);
    let raw = this.diagnosticsOf(options.types);
    if (raw.some((d) => d.code === 2307 /* Cannot find module */)) {
      this.refreshDisk();
      raw = this.diagnosticsOf(options.types);
    }
    const shift = this.pendingWrapped ? 1 : 0;
    return { diagnostics: raw.map((d) => toCellDiagnostic(d, source, code.length, shift)), declarations };
  }

  private diagnosticsOf(types: boolean): ts.Diagnostic[] {
    const syntactic = this.service.getSyntacticDiagnostics(this.pendingFile);
    if (syntactic.length > 0 || !types) return syntactic;
    return this.service.getSemanticDiagnostics(this.pendingFile).filter((d) => d.category === ts.DiagnosticCategory.Error);
  }

  /** The pending cell's script, source map and declarations, from the program that checked it. */
  compile(): CompiledCell {
    const program = this.service.getProgram()!;
    const source = program.getSourceFile(this.pendingFile)!;
    const out: CompiledCell = { code: "", sourceMap: "", dts: "" };
    program.emit(
      source,
      (name, text) => {
        if (name.endsWith(".d.ts")) out.dts = text;
        else if (name.endsWith(".map")) out.sourceMap = text;
        else if (name.endsWith(".js")) out.code = text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
      },
      undefined,
      false,
      { after: [globalScopeTransformer] },
    );
    return out;
  }

  /**
   * Makes a cell that ran part of the notebook's scope, so later cells see its declarations. Cells
   * that failed to check are never committed; cells that threw at run time are, as their names exist.
   */
  commit(code: string, dts: string): void {
    const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const imports = importModuleText(source);
    let specifier: string | undefined;
    if (imports) {
      specifier = `./__jovial_imports_${++this.importCounter}__`;
      this.setFile(path.join(this.cwd, `${specifier.slice(2)}.ts`), imports.text);
    }
    this.scope.add(dts, imports && specifier ? { specifier, names: imports.names } : undefined);
    this.setFile(this.scopeFile, this.scope.text());
    // Import modules whose every name a later cell declared again are out of the program.
    const used = this.scope.referencedSpecifiers();
    for (const file of this.roots) {
      const base = path.basename(file, ".ts");
      if (base.startsWith("__jovial_imports_") && !used.has(`./${base}`)) this.forget(file);
    }
  }

  private forget(file: string): void {
    this.files.delete(file);
    this.roots = this.roots.filter((f) => f !== file);
  }

  /** The language service, with `code` as the pending cell: for completion and inspection. */
  withPending(code: string): { service: ts.LanguageService; fileName: string } {
    this.setFile(this.pendingFile, code);
    return { service: this.service, fileName: this.pendingFile };
  }

  dispose(): void {
    this.service.dispose();
  }
}

function toCellDiagnostic(d: ts.Diagnostic, source: ts.SourceFile, cellLength: number, shift: number): CellDiagnostic {
  // Errors inside the appended glue (a conflict with an earlier cell) are reported at the cell's end.
  const start = Math.max(0, Math.min((d.start ?? 0) - shift, cellLength));
  const { line, character } = source.getLineAndCharacterOfPosition(start);
  return {
    line: line + 1,
    column: character + 1,
    code: d.code,
    category: d.category === ts.DiagnosticCategory.Warning ? "warning" : "error",
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  };
}
