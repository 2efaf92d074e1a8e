/**
 * The notebook's scope as the type checker sees it: one ambient declaration file holding, for every
 * name earlier cells declared, the declaration TypeScript emitted for it (`declare const x: number;`,
 * `declare class Star {…}`, `interface Catalogue {…}`). A later cell that declares the name again
 * replaces its entry. Being a .d.ts script, the file is global to every cell, and a cell, being a
 * module, shadows it with its own declarations. The program keeps the same files from cell to cell,
 * which is what keeps type-checking a cell cheap.
 *
 * Imports cannot be written as ambient declarations without losing their interop (default imports of
 * CommonJS modules); a cell's imports are kept in a small module of their own and the scope points at it.
 */
import ts = require("typescript");
import { bindingNames, topLevelDeclarations } from "./declarations.js";

const printer = ts.createPrinter({ removeComments: false });

function withoutExport(modifiers: readonly ts.ModifierLike[] | undefined): ts.ModifierLike[] {
  return (modifiers ?? []).filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
}

/** Names a declaration statement introduces, and its text without `export`. */
function entriesOf(statement: ts.Statement, source: ts.SourceFile): Array<[string, string]> {
  const print = (node: ts.Node) => printer.printNode(ts.EmitHint.Unspecified, node, source);
  const f = ts.factory;
  if (ts.isVariableStatement(statement)) {
    // One entry per variable, so a later cell can replace one of `declare const a: 1, b: 2;`.
    return statement.declarationList.declarations.flatMap((d) =>
      bindingNames(d.name).map((name): [string, string] => [
        name,
        print(f.createVariableStatement(withoutExport(statement.modifiers), f.createVariableDeclarationList([d], statement.declarationList.flags))),
      ]),
    );
  }
  const name = (statement as ts.DeclarationStatement).name;
  if (!name || !ts.isIdentifier(name)) return [];
  const modifiers = withoutExport(ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined);
  let stripped: ts.Node = statement;
  if (ts.isFunctionDeclaration(statement))
    stripped = f.updateFunctionDeclaration(
      statement,
      modifiers,
      statement.asteriskToken,
      statement.name,
      statement.typeParameters,
      statement.parameters,
      statement.type,
      statement.body,
    );
  else if (ts.isClassDeclaration(statement))
    stripped = f.updateClassDeclaration(statement, modifiers, statement.name, statement.typeParameters, statement.heritageClauses, statement.members);
  else if (ts.isInterfaceDeclaration(statement))
    stripped = f.updateInterfaceDeclaration(statement, modifiers, statement.name, statement.typeParameters, statement.heritageClauses, statement.members);
  else if (ts.isTypeAliasDeclaration(statement)) stripped = f.updateTypeAliasDeclaration(statement, modifiers, statement.name, statement.typeParameters, statement.type);
  else if (ts.isEnumDeclaration(statement)) stripped = f.updateEnumDeclaration(statement, modifiers, statement.name, statement.members);
  else if (ts.isModuleDeclaration(statement)) stripped = f.updateModuleDeclaration(statement, modifiers, statement.name, statement.body);
  else return [];
  return [[name.text, print(stripped)]];
}

export class NotebookScope {
  private readonly entries = new Map<string, string[]>();

  /**
   * Takes in the declaration emit of a cell (`dts`), and its import module, if it had imports: for
   * each imported name, `declare const` and `type` aliases pointing into that module.
   */
  add(dts: string, imports?: { specifier: string; names: Array<{ name: string; typeOnly: boolean }> }): void {
    const source = ts.createSourceFile("cell.d.ts", dts, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const fresh = new Map<string, string[]>();
    const imported = new Set(imports?.names.map((n) => n.name));
    for (const statement of source.statements) {
      for (const [name, text] of entriesOf(statement, source)) {
        if (imported.has(name)) continue;
        const list = fresh.get(name) ?? [];
        list.push(text);
        fresh.set(name, list);
      }
    }
    for (const { name, typeOnly } of imports?.names ?? []) {
      const from = JSON.stringify(imports!.specifier);
      const lines = [`type ${name} = import(${from}).${name};`];
      if (!typeOnly) lines.unshift(`declare const ${name}: (typeof import(${from}))[${JSON.stringify(name)}];`);
      fresh.set(name, lines);
    }
    for (const [name, lines] of fresh) {
      this.entries.delete(name); // the newest last, in the order the file lists them
      this.entries.set(name, lines);
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Import modules no name points at any more, so the program can drop them. */
  referencedSpecifiers(): Set<string> {
    const used = new Set<string>();
    for (const lines of this.entries.values()) {
      for (const line of lines) {
        const m = /import\("([^"]+)"\)/.exec(line);
        if (m) used.add(m[1]);
      }
    }
    return used;
  }

  text(): string {
    return [...this.entries.values()].flat().join("\n");
  }
}

/** The imports of a cell, as a module that re-exports every name they bind. */
export function importModuleText(cell: ts.SourceFile): { text: string; names: Array<{ name: string; typeOnly: boolean }> } | undefined {
  const imports = cell.statements.filter((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s));
  if (imports.length === 0) return undefined;
  const names = topLevelDeclarations(ts.factory.updateSourceFile(cell, imports)).map((d) => ({ name: d.name, typeOnly: d.kind === "type" }));
  const text = imports.map((s) => s.getText(cell)).join("\n") + `\nexport { ${names.map((n) => n.name).join(", ")} };\n`;
  return { text, names };
}
