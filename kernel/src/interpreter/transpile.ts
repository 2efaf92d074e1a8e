/**
 * Turns a cell into a script that runs in the notebook's global scope:
 *
 *     var x, Foo;                       // every top-level name, so it outlives the cell
 *     function f() {}                   // function declarations keep their hoisting
 *     (async () => {                    // top-level await
 *       x = 1; Foo = class Foo {};      // declarations become assignments: re-running a cell works
 *       const { a } = await __jovial.import("m", …);   // imports resolve from the notebook's folder
 *       return { value: lastExpression };
 *     })()
 *
 * This runs after TypeScript has removed the types, so it only sees JavaScript. The source map lets
 * runtime errors point at cell lines.
 */
// Through require: importing typescript.js as ES module has Node scan all 9 MB of it for exports first.
import ts = require("typescript");
import { bindingNames } from "./declarations.js";

/** The global through which cells reach the kernel: imports and the like. */
export const RUNTIME = "__jovial";

const f = ts.factory;

function bindingToAssignmentTarget(name: ts.BindingName): ts.Expression {
  if (ts.isIdentifier(name)) return f.createIdentifier(name.text);
  if (ts.isObjectBindingPattern(name)) {
    return f.createObjectLiteralExpression(
      name.elements.map((el) => {
        const target = bindingToAssignmentTarget(el.name);
        if (el.dotDotDotToken) return f.createSpreadAssignment(target);
        const withDefault = el.initializer ? f.createAssignment(target, el.initializer) : target;
        if (!el.propertyName && ts.isIdentifier(el.name)) {
          return f.createShorthandPropertyAssignment(el.name.text, el.initializer);
        }
        const key = el.propertyName ?? (el.name as ts.Identifier);
        return f.createPropertyAssignment(key as ts.PropertyName, withDefault);
      }),
    );
  }
  return f.createArrayLiteralExpression(
    name.elements.map((el) => {
      if (ts.isOmittedExpression(el)) return f.createOmittedExpression();
      const target = bindingToAssignmentTarget(el.name);
      if (el.dotDotDotToken) return f.createSpreadElement(target);
      return el.initializer ? f.createAssignment(target, el.initializer) : target;
    }),
  );
}

function importCall(specifier: ts.Expression): ts.Expression {
  return f.createAwaitExpression(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RUNTIME), "import"), undefined, [specifier]));
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function withoutExport<T extends ts.FunctionDeclaration | ts.ClassDeclaration>(node: T): T {
  if (!isExported(node)) return node;
  const modifiers = (ts.getModifiers(node) ?? []).filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
  if (ts.isFunctionDeclaration(node)) {
    return f.updateFunctionDeclaration(node, modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, node.body) as T;
  }
  const c = node as ts.ClassDeclaration;
  return f.updateClassDeclaration(c, modifiers, c.name, c.typeParameters, c.heritageClauses, c.members) as T;
}

/** Rewrites the statements of a cell (already plain JavaScript) into the shape described above. */
export function globalScopeTransformer(context: ts.TransformationContext): ts.Transformer<ts.SourceFile> {
  void context;
  return (source) => {
    const hoisted = new Set<string>();
    const functions: ts.Statement[] = [];
    const body: ts.Statement[] = [];
    let tempCount = 0;
    const keep = (statement: ts.Statement, original: ts.Node) => body.push(ts.setTextRange(statement, original));

    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement)) {
        if (statement.name) hoisted.add(statement.name.text);
        functions.push(withoutExport(statement));
      } else if (ts.isClassDeclaration(statement) && statement.name) {
        const name = statement.name.text;
        hoisted.add(name);
        const cls = withoutExport(statement);
        const expr = f.createClassExpression(ts.getModifiers(cls)?.filter(ts.isDecorator), cls.name, cls.typeParameters, cls.heritageClauses, cls.members);
        keep(f.createExpressionStatement(f.createAssignment(f.createIdentifier(name), ts.setTextRange(expr, statement))), statement);
      } else if (ts.isVariableStatement(statement)) {
        const list = statement.declarationList;
        const isVar = (list.flags & ts.NodeFlags.BlockScoped) === 0;
        for (const d of list.declarations) {
          for (const n of bindingNames(d.name)) hoisted.add(n);
          if (d.initializer) {
            keep(f.createExpressionStatement(f.createParenthesizedExpression(f.createAssignment(bindingToAssignmentTarget(d.name), d.initializer))), d);
          } else if (!isVar && ts.isIdentifier(d.name)) {
            // `let x;` run again must reset x, as a fresh declaration would.
            keep(f.createExpressionStatement(f.createAssignment(f.createIdentifier(d.name.text), f.createVoidZero())), d);
          }
        }
      } else if (ts.isImportDeclaration(statement)) {
        const clause = statement.importClause;
        const load = importCall(statement.moduleSpecifier);
        if (!clause) {
          keep(f.createExpressionStatement(load), statement);
          continue;
        }
        const bindings = clause.namedBindings;
        let ns: ts.Expression;
        if (bindings && ts.isNamespaceImport(bindings)) {
          hoisted.add(bindings.name.text);
          keep(f.createExpressionStatement(f.createAssignment(f.createIdentifier(bindings.name.text), load)), statement);
          ns = f.createIdentifier(bindings.name.text);
        } else {
          const temp = `__jovial_module_${tempCount++}`;
          hoisted.add(temp);
          keep(f.createExpressionStatement(f.createAssignment(f.createIdentifier(temp), load)), statement);
          ns = f.createIdentifier(temp);
        }
        if (clause.name) {
          hoisted.add(clause.name.text);
          keep(f.createExpressionStatement(f.createAssignment(f.createIdentifier(clause.name.text), f.createPropertyAccessExpression(ns, "default"))), statement);
        }
        if (bindings && ts.isNamedImports(bindings)) {
          for (const el of bindings.elements) {
            hoisted.add(el.name.text);
            const imported = el.propertyName ?? el.name;
            const access = ts.isIdentifier(imported)
              ? f.createPropertyAccessExpression(ns, imported.text)
              : f.createElementAccessExpression(ns, f.createStringLiteral(imported.text));
            keep(f.createExpressionStatement(f.createAssignment(f.createIdentifier(el.name.text), access)), el);
          }
        }
      } else if (ts.isExportDeclaration(statement) || ts.isEmptyStatement(statement)) {
        // Dropped: `export { x }` in a cell has nothing to export to (the kernel appends one).
      } else if (ts.isExportAssignment(statement)) {
        keep(f.createExpressionStatement(statement.expression), statement);
      } else {
        body.push(statement);
      }
    }

    // Only an expression the user wrote is the cell's value; a declaration turned assignment is not.
    const last = body[body.length - 1];
    const userStatements = source.statements.filter((s) => !ts.isExportDeclaration(s) && !ts.isEmptyStatement(s));
    if (last && ts.isExpressionStatement(last) && ts.isExpressionStatement(userStatements[userStatements.length - 1] ?? last)) {
      const boxed = f.createObjectLiteralExpression([f.createPropertyAssignment("value", last.expression)]);
      body[body.length - 1] = ts.setTextRange(f.createReturnStatement(boxed), last);
    }

    const run = f.createCallExpression(
      f.createParenthesizedExpression(f.createArrowFunction([f.createModifier(ts.SyntaxKind.AsyncKeyword)], undefined, [], undefined, undefined, f.createBlock(body, true))),
      undefined,
      [],
    );
    const statements: ts.Statement[] = [];
    if (hoisted.size > 0) {
      statements.push(
        f.createVariableStatement(
          undefined,
          f.createVariableDeclarationList(
            [...hoisted].map((n) => f.createVariableDeclaration(n)),
            ts.NodeFlags.None,
          ),
        ),
      );
    }
    statements.push(...functions, f.createExpressionStatement(run));
    return f.updateSourceFile(source, statements);
  };
}

/** `{ a: 1 }` alone in a cell is an object to show, not a block with a label (as in Node's REPL). */
export function wrapObjectLiteral(code: string): string {
  const trimmed = code.trim();
  if (!/^\{/.test(trimmed) || /;\s*$/.test(trimmed)) return code;
  const wrapped = `(${code}\n)`;
  const probe = ts.createSourceFile("probe.ts", wrapped, ts.ScriptTarget.ES2022);
  const diagnostics = (probe as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  return diagnostics.length === 0 && probe.statements.length === 1 ? wrapped : code;
}
