/**
 * The notebook as a TypeScript program, for the language service: every cell that ran is a module of
 * its own, and one ambient file declares each name of earlier cells with the type its latest cell gave
 * it. Modules keep each cell's scope apart, so re-declaring `const x` in a later cell is no error,
 * and a new cell costs the checker the same however long the notebook grows.
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
  private cellCounter = 0;
  /** For each name earlier cells declared: the cell module that declared it last, and how. */
  private readonly owners = new Map<string, { file: string; declaration: Declaration }>();
  private readonly service: ts.LanguageService;
  private readonly pendingFile: string;
  /** Ambient declarations of the names earlier cells declared (a .d.ts, so a script, so global). */
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
    this.roots = [GLOBALS_FILE, this.scopeFile];
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
      // Shared with resolution so that package.json scopes are read once, not once per file per cell.
      getModuleResolutionCache: () => this.resolutionCache,
      resolveModuleNameLiterals: (literals, containingFile, redirect, _options, sourceFile) =>
        literals.map((lit) => resolveOne(lit.text, containingFile, ts.getModeForUsageLocation(sourceFile, lit, compilerOptions), redirect)),
    };
  }

  /** What is appended to a cell: it exports everything it declares, for the scope file to point at. */
  private glue(declarations: Declaration[]): string {
    const exports = declarations.filter((d) => !d.exported).map((d) => d.name);
    return `\n;export { ${exports.join(", ")} };`;
  }

  /**
   * The scope of the notebook: one ambient declaration per name earlier cells declared, typed by the
   * cell that declared it last. A cell is a module, so its own declarations shadow these.
   */
  private scopeText(): string {
    const lines: string[] = [];
    for (const [name, { file, declaration }] of this.owners) {
      const from = JSON.stringify("./" + path.basename(file, ".ts"));
      const member = JSON.stringify(name);
      if (declaration.kind === "mutable") lines.push(`declare var ${name}: (typeof import(${from}))[${member}];`);
      else if (declaration.kind === "value") lines.push(`declare const ${name}: (typeof import(${from}))[${member}];`);
      if (declaration.kind !== "mutable" && declaration.typeLike !== false) lines.push(`type ${name} = import(${from}).${name};`);
    }
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
    const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const declarations = topLevelDeclarations(source);
    // A cell that declares nothing (most cells: expressions, prints, plots) adds nothing to the scope.
    if (declarations.length === 0) return;
    const file = path.join(this.cwd, `__jovial_cell_${++this.cellCounter}__.ts`);
    this.setFile(file, code);
    for (const declaration of declarations) {
      const previous = this.owners.get(declaration.name);
      this.owners.delete(declaration.name); // the newest last, as the scope file will list them
      this.owners.set(declaration.name, { file, declaration });
      if (previous && ![...this.owners.values()].some((o) => o.file === previous.file)) this.forget(previous.file);
    }
    const scope = this.files.get(this.scopeFile);
    this.files.set(this.scopeFile, { text: this.scopeText(), version: (scope?.version ?? 0) + 1 });
  }

  /**
   * Where an earlier cell declared `name`, for hovers: the scope file only re-declares names, the doc
   * comments and the real signature are at the declaration in its cell.
   */
  declarationSite(fileName: string, position: number): { fileName: string; position: number } | undefined {
    if (fileName !== this.scopeFile) return undefined;
    const text = this.files.get(this.scopeFile)?.text ?? "";
    const name = /(?:declare (?:var|const)|type) ([\w$]+)/.exec(text.slice(text.lastIndexOf("\n", position) + 1))?.[1];
    const owner = name ? this.owners.get(name) : undefined;
    if (!name || !owner) return undefined;
    const source = ts.createSourceFile(owner.file, this.files.get(owner.file)?.text ?? "", ts.ScriptTarget.ES2022, true);
    let found: number | undefined;
    const visit = (node: ts.Node) => {
      if (found !== undefined) return;
      const declName = (node as ts.NamedDeclaration).name;
      if (declName && ts.isIdentifier(declName) && declName.text === name && node.parent && (ts.isSourceFile(node.parent) || ts.isVariableDeclarationList(node.parent))) {
        found = declName.getStart(source);
      } else if (ts.isSourceFile(node) || ts.isVariableStatement(node) || ts.isVariableDeclarationList(node)) {
        ts.forEachChild(node, visit);
      }
    };
    visit(source);
    return found === undefined ? undefined : { fileName: owner.file, position: found };
  }

  /** A cell whose every name a later cell declared again is out of the program: it cannot be reached. */
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
