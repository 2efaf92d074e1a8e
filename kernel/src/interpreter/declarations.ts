/**
 * The top-level names a cell declares, found syntactically. Both halves of the interpreter need them:
 * the type checker, to give later cells the types of earlier ones, and the transpiler, to keep the
 * values alive across cells.
 */
// Through require: importing typescript.js as ES module has Node scan all 9 MB of it for exports first.
import ts = require("typescript");

/**
 * `mutable` names can be assigned from later cells (`let`, `var`); `value` names are read-only values
 * (`const`, functions, classes, enums, imports); `type` names exist only for the checker.
 */
export type DeclarationKind = "mutable" | "value" | "type";

export interface Declaration {
  name: string;
  kind: DeclarationKind;
  /** Declared with an `export` modifier by the user, so the cell must not export it again. */
  exported: boolean;
  /** A value that is also a type (class, enum); false for plain values (const, function). */
  typeLike?: boolean;
}

export function bindingNames(name: ts.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) {
    out.push(name.text);
  } else {
    for (const element of name.elements) {
      if (!ts.isOmittedExpression(element)) bindingNames(element.name, out);
    }
  }
  return out;
}

const hasExport = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

const hasDeclare = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);

export function topLevelDeclarations(source: ts.SourceFile): Declaration[] {
  const found = new Map<string, Declaration>();
  const add = (name: string, kind: DeclarationKind, node: ts.Node, typeLike = kind === "type") => {
    const previous = found.get(name);
    // A value that merges with an interface of the same name is a value and a type.
    if (previous && previous.kind !== "type" && kind === "type") {
      previous.typeLike = true;
      return;
    }
    found.set(name, { name, kind, exported: hasExport(node), typeLike: typeLike || previous?.kind === "type" });
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & (ts.NodeFlags.Const | ts.NodeFlags.Using | ts.NodeFlags.AwaitUsing)) !== 0;
      for (const d of statement.declarationList.declarations) {
        for (const name of bindingNames(d.name)) add(name, isConst ? "value" : "mutable", statement);
      }
    } else if (ts.isFunctionDeclaration(statement)) {
      if (statement.name) add(statement.name.text, "value", statement);
    } else if (ts.isClassDeclaration(statement)) {
      if (statement.name) add(statement.name.text, "value", statement, true);
    } else if (ts.isEnumDeclaration(statement)) {
      add(statement.name.text, "value", statement, true);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      // A namespace with only types in it has no value; `declare namespace` never has one at run time.
      add(statement.name.text, hasDeclare(statement) ? "type" : "value", statement, true);
    } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      add(statement.name.text, "type", statement);
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      // An imported name may be a value, a type or both: the scope declares both where it can.
      const kind: DeclarationKind = clause.isTypeOnly ? "type" : "value";
      if (clause.name) add(clause.name.text, kind, statement, true);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) add(bindings.name.text, kind, statement, false);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) add(el.name.text, clause.isTypeOnly || el.isTypeOnly ? "type" : "value", statement, true);
      }
    } else if (ts.isImportEqualsDeclaration(statement)) {
      add(statement.name.text, statement.isTypeOnly ? "type" : "value", statement, true);
    }
  }
  return [...found.values()];
}
