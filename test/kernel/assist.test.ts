// complete_request, inspect_request and is_complete_request through jupyter_client.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { KernelClient, testJupyterHome } from "../helpers/kernel-client.ts";

const home = testJupyterHome();
const kernel = new KernelClient(home.env);
const test = suite("assist");

test.before(async () => {
  await kernel.start({ cwd: home.dir });
  await kernel.execute(`/** A radio source. */
class RadioSource {
  constructor(readonly name: string, readonly flux: number) {}
  /** Flux density in Jy at a frequency in GHz. */
  fluxAt(ghz: number): number { return this.flux * ghz ** -0.7 }
}
const obj = { a: { value: 3.14159, source: new RadioSource("3C 286", 14.9) } };`);
});
test.after(async () => {
  await kernel.close();
  home.cleanup();
});

async function complete(code: string, cursor = [...code].length) {
  const { reply } = await kernel.request("complete_request", { code, cursor_pos: cursor });
  assert.is(reply.content.status, "ok");
  return reply.content;
}

test("members of user objects and of their members (obj.a.value.toFi)", async () => {
  const c = await complete("obj.a.value.toFi");
  assert.ok(c.matches.includes("toFixed"), JSON.stringify(c.matches));
  assert.is(c.cursor_start, "obj.a.value.".length);
  assert.is(c.cursor_end, "obj.a.value.toFi".length);
  const members = await complete("obj.a.source.");
  assert.ok(
    ["name", "flux", "fluxAt"].every((m) => members.matches.includes(m)),
    JSON.stringify(members.matches),
  );
});

test("_jupyter_types_experimental metadata gives each match's kind", async () => {
  const c = await complete("obj.a.source.f");
  const types = c.metadata._jupyter_types_experimental as Array<{ text: string; type: string; start: number; end: number }>;
  const byName = Object.fromEntries(types.map((t) => [t.text, t.type]));
  assert.is(byName.fluxAt, "function");
  assert.is(byName.flux, "property");
  assert.is(types[0].start, c.cursor_start);
});

test("globals, keywords and module exports", async () => {
  assert.ok((await complete("Math.")).matches.includes("floor"));
  assert.ok((await complete("RadioS")).matches.includes("RadioSource"));
  assert.ok((await complete("cons")).matches.includes("const"), "keywords");
  assert.ok((await complete("import { readF } from 'node:fs'", "import { readF".length)).matches.includes("readFileSync"));
  assert.ok((await complete("import { op } from 'smoothy'", "import { op".length)).matches.includes("open"));
});

test("the cursor counts code points: completion after an emoji", async () => {
  const code = "const star = '⭐🌟'; Math.fl";
  const c = await complete(code);
  assert.ok(c.matches.includes("floor"));
  assert.is(c.cursor_end, [...code].length);
  assert.is(c.cursor_start, [...code].length - 2);
});

test("inspect_request: signature and doc comment of the symbol at the cursor", async () => {
  const code = "obj.a.source.fluxAt(5)";
  const { reply } = await kernel.request("inspect_request", { code, cursor_pos: code.indexOf("fluxAt") + 3, detail_level: 0 });
  assert.is(reply.content.status, "ok");
  assert.ok(reply.content.found);
  assert.match(reply.content.data["text/plain"], /fluxAt\(ghz: number\): number/);
  assert.match(reply.content.data["text/plain"], /Flux density in Jy/);
  assert.match(reply.content.data["text/markdown"], /```typescript/);
  const cls = await kernel.request("inspect_request", { code: "RadioSource", cursor_pos: 11, detail_level: 1 });
  assert.match(cls.reply.content.data["text/plain"], /A radio source\./);
  const none = await kernel.request("inspect_request", { code: "   ", cursor_pos: 1, detail_level: 0 });
  assert.is(none.reply.content.found, false);
});

test("is_complete_request: complete, incomplete with indent, invalid", async () => {
  const ask = async (code: string) => (await kernel.request("is_complete_request", { code })).reply.content;
  assert.equal(await ask("const x = 1"), { status: "complete" });
  assert.equal(await ask("function f() {"), { status: "incomplete", indent: "  " });
  assert.equal(await ask("if (x) {\n    const y = [1,"), { status: "incomplete", indent: "    " });
  assert.is((await ask("const s = `multi\nline")).status, "incomplete");
  assert.is((await ask("const = = 5;")).status, "invalid");
  assert.is((await ask("let a = )")).status, "invalid");
});

test.run();
