// Execution as a notebook user meets it: state, re-declaration, await, imports, type and runtime errors.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { KernelClient, ofType, resultText, testJupyterHome } from "../helpers/kernel-client.ts";

const home = testJupyterHome();
const notebookDir = path.join(home.dir, "notebooks");
const kernel = new KernelClient(home.env);
const test = suite("execute");

test.before(async () => {
  // A folder like a user's home: no node_modules of the project, one package installed beside the notebook.
  mkdirSync(path.join(notebookDir, "node_modules", "beside"), { recursive: true });
  writeFileSync(
    path.join(notebookDir, "node_modules", "beside", "package.json"),
    JSON.stringify({ name: "beside", version: "1.0.0", type: "module", exports: { ".": { types: "./index.d.ts", import: "./index.js" } } }),
  );
  writeFileSync(path.join(notebookDir, "node_modules", "beside", "index.js"), "export const answer = 42;\nexport default function hello(name) { return `hello ${name}`; }\n");
  writeFileSync(path.join(notebookDir, "node_modules", "beside", "index.d.ts"), "export declare const answer: number;\nexport default function hello(name: string): string;\n");
  writeFileSync(path.join(notebookDir, "local.mjs"), "export const local = 'from a file beside the notebook';\n");
  await kernel.start({ cwd: notebookDir });
});
test.after(async () => {
  await kernel.close();
  home.cleanup();
});

async function ok(code: string) {
  const ex = await kernel.execute(code);
  assert.is(ex.reply.content.status, "ok", `${code}\n→ ${JSON.stringify(ex.reply.content)}`);
  return ex;
}

test("state persists across cells", async () => {
  await ok("const base: number = 40");
  await ok("let counter = 0; function bump(by: number) { counter += by; return counter }");
  assert.is(resultText(await ok("bump(base) + 2")), "42");
  assert.is(resultText(await ok("counter")), "40");
});

test("a later cell can assign a let of an earlier cell, with its type checked", async () => {
  await ok("let mutable = 1");
  await ok("mutable = 5");
  assert.is(resultText(await ok("mutable * 2")), "10");
  const bad = await kernel.execute("mutable = 'five'");
  assert.is(bad.reply.content.status, "error");
  assert.match(bad.reply.content.evalue, /Type 'string' is not assignable to type 'number'/);
});

test("re-running cells that declare const, let, class and function works", async () => {
  const cell = "const k = 1; let l = 2; class Point { constructor(public x: number) {} } function twice(n: number) { return n * 2 }";
  await ok(cell);
  await ok(cell);
  await ok("const k = 'now a string'; class Point { y = 3 } function twice(s: string) { return s + s }");
  assert.is(resultText(await ok("[k, new Point().y, twice('ab')]")), "[ 'now a string', 3, 'abab' ]");
});

test("a cell that uses a class of an earlier cell as a type", async () => {
  await ok("class Star { constructor(readonly name: string, readonly mag: number) {} }\ninterface Catalogue { stars: Star[] }");
  assert.is(resultText(await ok("const cat: Catalogue = { stars: [new Star('Vega', 0.03)] }; cat.stars[0].name")), "'Vega'");
});

test("top-level await, and a promise that resolves after the reply is not awaited", async () => {
  assert.is(resultText(await ok("const v = await new Promise<number>((r) => setTimeout(() => r(7), 50)); v * 6")), "42");
  assert.is(resultText(await ok("for await (const x of (async function* () { yield 1; yield 2 })()) console.log(x); 'done'")), "'done'");
});

test("destructuring declarations and enums survive into later cells", async () => {
  await ok("const { a, b: [c, d = 4], ...rest } = { a: 1, b: [3], e: 5, f: 6 }; enum Band { X = 'X', Ka = 'Ka' }");
  assert.is(resultText(await ok("[a, c, d, rest, Band.Ka]")), "[ 1, 3, 4, { e: 5, f: 6 }, 'Ka' ]");
});

test("import of Node built-ins, in every import form", async () => {
  await ok("import fs, { readFileSync as rf } from 'node:fs'; import * as nodePath from 'path'; import { createHash } from 'crypto'");
  assert.is(
    resultText(await ok("[typeof fs.statSync, typeof rf, nodePath.basename('/a/b.fits'), createHash('sha256').update('x').digest('hex').slice(0, 8)]")),
    "[ 'function', 'function', 'b.fits', '2d711642' ]",
  );
});

test("import of a package installed beside the notebook, and of a file beside it", async () => {
  assert.is(resultText(await ok("import hello, { answer } from 'beside'; hello('sky') + ' ' + answer")), "'hello sky 42'");
  assert.is(resultText(await ok("// @ts-nocheck\nimport { local } from './local.mjs'; local")), "'from a file beside the notebook'");
});

test("import { open } from 'smoothy' works in a folder without node_modules of the project", async () => {
  const ex = await ok("import { open, FitsError } from 'smoothy'; [typeof open, FitsError.name]");
  assert.is(resultText(ex), "[ 'function', 'FitsError' ]");
  const typed = await kernel.execute("const n: string = open");
  assert.match(typed.reply.content.evalue, /not assignable to type 'string'/, "smoothy's types are known to the checker");
});

test("an unknown module is a clear error", async () => {
  const ex = await kernel.execute("// @ts-nocheck\nimport x from 'no-such-package-anywhere'");
  assert.is(ex.reply.content.status, "error");
  assert.match(ex.reply.content.evalue, /Cannot find module 'no-such-package-anywhere'/);
  const checked = await kernel.execute("import y from 'no-such-package-anywhere'");
  assert.match(checked.reply.content.evalue, /Cannot find module 'no-such-package-anywhere'/);
});

test("type errors: line and column within the cell, and the cell does not run", async () => {
  const ex = await kernel.execute("let ran = 'no';\nran = 'yes';\nconst wrong: number = 'text';\nconst alsoWrong: string = 1;");
  const c = ex.reply.content;
  assert.is(c.status, "error");
  assert.is(c.ename, "TSError");
  assert.match(c.evalue, /^In\[\d+\]:3:7: Type 'string' is not assignable to type 'number'\. \(and 1 more\)/);
  assert.match(c.traceback.join("\n"), /In\[\d+\]:4:7 - error TS2322/);
  assert.equal(ofType(ex, "error")[0].content.ename, "TSError");
  const after = await kernel.execute("// @ts-nocheck\ntypeof ran");
  assert.is(resultText(after), "'undefined'", "nothing of the failed cell ran");
});

test("// @ts-nocheck runs a cell despite type errors; JavaScript runs as is", async () => {
  assert.is(resultText(await ok("// @ts-nocheck\nconst loose: number = 'text'; loose")), "'text'");
  assert.is(resultText(await ok("function add(a, b) { return a + b }\nadd(2, 3)")), "5");
});

test("the kernel-wide setting turns type-checking off and on", async () => {
  await ok("jovial.settings.typeCheck = false");
  assert.is(resultText(await ok("const unchecked: number = 'runs'; unchecked")), "'runs'");
  await ok("jovial.settings.typeCheck = true");
  assert.is((await kernel.execute("const checked: number = 'stops'")).reply.content.status, "error");
});

test("syntax errors are reported with their place", async () => {
  const ex = await kernel.execute("const = 5");
  assert.is(ex.reply.content.status, "error");
  assert.match(ex.reply.content.traceback.join("\n"), /In\[\d+\]:1:7/);
});

test("runtime errors: ename, evalue and frames at cell lines", async () => {
  await ok("function inner(x: { deep?: { value: number } }) {\n  return x.deep!.value;\n}\nfunction outer() { return inner({}) }");
  const ex = await kernel.execute("const r = 1;\nouter()");
  const c = ex.reply.content;
  assert.is(c.status, "error");
  assert.is(c.ename, "TypeError");
  assert.match(c.evalue, /Cannot read properties of undefined \(reading 'value'\)/);
  const tb = c.traceback.join("\n");
  assert.match(tb, /at inner \(In\[\d+\]:2:\d+\)/);
  assert.match(tb, /at outer \(In\[\d+\]:4:\d+\)/);
  assert.match(tb, /at In\[\d+\]:2:1/);
  assert.not.match(tb, /jovial-cell|node:internal|dist\/interpreter/);
  const thrown = await kernel.execute("throw 'a plain string'");
  assert.is(thrown.reply.content.ename, "Uncaught");
  const custom = await kernel.execute("class BeamError extends Error { name = 'BeamError' }\nthrow new BeamError('no beam')");
  assert.is(custom.reply.content.ename, "BeamError");
  assert.is(custom.reply.content.evalue, "no beam");
});

test("stop_on_error aborts the executions queued behind a failing one", async () => {
  const replies = await kernel.call("execute_many", {
    codes: ["await new Promise((r) => setTimeout(r, 200)); throw new Error('first fails')", "(globalThis as any).abortedRan = true", "'third'"],
  });
  assert.equal(
    replies.map((r: { content: { status: string } }) => r.content.status),
    ["error", "aborted", "aborted"],
  );
  assert.is(resultText(await ok("String((globalThis as any).abortedRan)")), "'undefined'");
  const kept = await kernel.call("execute_many", { codes: ["throw new Error('fails')", "'runs anyway'"], stop_on_error: false });
  assert.equal(
    kept.map((r: { content: { status: string } }) => r.content.status),
    ["error", "ok"],
  );
});

test("require, __dirname and process work as in a script in the notebook's folder", async () => {
  assert.is(resultText(await ok("require('node:path').basename(__dirname) + ' ' + (process.cwd() === __dirname)")), "'notebooks true'");
});

test("the kernel keeps a V8 code cache of TypeScript for its next start", async () => {
  const { readdirSync } = await import("node:fs");
  const files = readdirSync(path.join(home.dir, "cache"));
  assert.equal(files.filter((f) => /^typescript-5\.9\.\d+-node-v\d+.*\.v8cache$/.test(f)).length, 1, files.join(", "));
});

test.run();
