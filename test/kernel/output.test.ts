// Output: results, streams (also late ones), display and updates, clear_output, Jupyter.display, binary data.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { KernelClient, ofType, resultText, streamText, testJupyterHome } from "../helpers/kernel-client.ts";

const home = testJupyterHome();
const kernel = new KernelClient(home.env);
const test = suite("output");

test.before(async () => {
  await kernel.start({ cwd: home.dir });
});
test.after(async () => {
  await kernel.close();
  home.cleanup();
});

test("the last expression is the result, as util.inspect shows it, without ANSI codes", async () => {
  const ex = await kernel.execute("const m = new Map([['ra', 83.8]]); ({ name: 'Orion', m, list: [1, 2, 3], nested: { a: { b: { c: 1 } } } })");
  const text = resultText(ex)!;
  assert.match(text, /name: 'Orion'/);
  assert.match(text, /Map\(1\) \{ 'ra' => 83\.8 \}/);
  assert.not.ok(text.includes("\u001b["), "no terminal escape codes");
  assert.is(ofType(ex, "execute_result")[0].content.execution_count, ex.reply.content.execution_count);
  assert.is(ofType(await kernel.execute("let nothing = undefined; nothing"), "execute_result").length, 0, "undefined shows nothing");
});

test("console and process streams reach the cell, in order, stdout and stderr apart", async () => {
  const ex = await kernel.execute("console.log('one'); console.error('warn'); process.stdout.write('two\\n'); console.info({ x: 1 }); console.table([{ a: 1 }])");
  assert.is(streamText(ex, "stdout").split("\n")[0], "one");
  assert.match(streamText(ex, "stdout"), /two\n\{ x: 1 \}\n/);
  assert.match(streamText(ex, "stdout"), /┌/);
  assert.is(streamText(ex, "stderr"), "warn\n");
});

test("output printed after the reply (timers, promises) goes to the cell that started it", async () => {
  const first = await kernel.execute(
    "setTimeout(() => console.log('late from first'), 400); Promise.resolve().then(() => new Promise((r) => setTimeout(r, 500))).then(() => console.log('later from first')); 'first done'",
  );
  const second = await kernel.execute("console.log('second')");
  const late = await kernel.call("drain_iopub", { seconds: 1.0 });
  const lateStreams = late.filter((m: { msg_type: string }) => m.msg_type === "stream");
  assert.equal(lateStreams.map((m: { content: { text: string } }) => m.content.text).join(""), "late from first\nlater from first\n");
  assert.ok(
    lateStreams.every((m: { parent_msg_id: string }) => m.parent_msg_id === first.msg_id),
    "late output belongs to the first cell",
  );
  assert.is(streamText(second), "second\n");
});

test("a busy loop's prints are flushed while it runs", async () => {
  const ex = await kernel.execute("for (let i = 0; i < 3000; i++) console.log('line', i)");
  const text = streamText(ex);
  assert.is(text.split("\n").length, 3001);
  assert.ok(ofType(ex, "stream").length < 100, "batched, not one message per line");
});

test("display(value), display(mimeBundle), helpers and metadata", async () => {
  const ex = await kernel.execute(
    "display({ ra: 1 }); display({ 'text/html': '<b>bold</b>', 'text/plain': 'bold' }); display.markdown('# Title'); display.svg('<svg/>', { metadata: { isolated: true } })",
  );
  const shown = ofType(ex, "display_data").map((m) => m.content);
  assert.is(shown.length, 4);
  assert.equal(shown[0].data, { "text/plain": "{ ra: 1 }" });
  assert.equal(shown[1].data, { "text/html": "<b>bold</b>", "text/plain": "bold" });
  assert.equal(shown[2].data, { "text/markdown": "# Title" });
  assert.equal(shown[3].metadata, { isolated: true });
});

test("display_id: display, update through the handle and through updateDisplay", async () => {
  const ex = await kernel.execute(
    "const h = display('step 1', { display_id: 'progress' })!; await h.update('step 2'); await updateDisplay('progress', 'step 3'); const auto = display('x', { display_id: true })!; auto.display_id.length",
  );
  const d = ofType(ex, "display_data")[0].content;
  assert.is(d.transient.display_id, "progress");
  const updates = ofType(ex, "update_display_data").map((m) => m.content);
  assert.equal(
    updates.map((u) => [u.transient.display_id, u.data["text/plain"]]),
    [
      ["progress", "'step 2'"],
      ["progress", "'step 3'"],
    ],
  );
  assert.is(resultText(ex), "36");
});

test("clearOutput, with and without wait", async () => {
  const ex = await kernel.execute("console.log('gone'); clearOutput({ wait: true }); clearOutput()");
  const clears = ofType(ex, "clear_output").map((m) => m.content.wait);
  assert.equal(clears, [true, false]);
  const order = ex.iopub.map((m) => m.msg_type).filter((t) => t === "stream" || t === "clear_output");
  assert.equal(order, ["stream", "clear_output", "clear_output"], "the stream before the clear is sent before it");
});

test("a class with [Symbol.for('Jupyter.display')] renders with its own bundle (Deno's convention)", async () => {
  const ex = await kernel.execute(`class Source {
  constructor(readonly name: string) {}
  [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>" + this.name + "</i>" }; }
}
display(new Source("Sgr B2"));
new Source("Orion KL")`);
  assert.is(ofType(ex, "display_data")[0].content.data["text/html"], "<i>Sgr B2</i>");
  const result = ofType(ex, "execute_result")[0].content.data;
  assert.is(result["text/html"], "<i>Orion KL</i>");
  assert.match(result["text/plain"], /Source/);
  const asyncBundle = await kernel.execute("({ async [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'computed' } } })");
  assert.is(resultText(asyncBundle), "computed");
});

test("binary MIME data is base64-encoded", async () => {
  const ex = await kernel.execute("display.png(new Uint8Array([137, 80, 78, 71])); display({ 'image/jpeg': Buffer.from([255, 216, 255]) })");
  const shown = ofType(ex, "display_data").map((m) => m.content.data);
  assert.is(shown[0]["image/png"], "iVBORw==");
  assert.is(shown[1]["image/jpeg"], "/9j/");
});

test("errors thrown later by a cell's callbacks are reported on that cell's stderr; the kernel lives", async () => {
  const first = await kernel.execute("setTimeout(() => { throw new RangeError('late failure') }, 100); Promise.reject(new Error('unhandled'))");
  const late = await kernel.call("drain_iopub", { seconds: 0.6 });
  const errs = late.filter((m: { msg_type: string; content: { name: string } }) => m.msg_type === "stream" && m.content.name === "stderr");
  const text = errs.map((m: { content: { text: string } }) => m.content.text).join("");
  const all = streamText(first, "stderr") + text;
  assert.match(all, /RangeError: late failure/);
  assert.match(all, /Error: unhandled/);
  assert.is(resultText(await kernel.execute("'alive'")), "'alive'");
});

test("smoothy's progress bar: shown under the cell after half a second, updated in place, finished", async () => {
  const ex = await kernel.execute(`import { progress } from "smoothy";
const bar = progress("crunching", 10);
for (let i = 0; i < 10; i++) { const until = Date.now() + 100; while (Date.now() < until) {} bar.update(i + 1); }
bar.finish();`);
  const shown = ofType(ex, "display_data");
  assert.is(shown.length, 1, "one display, then updates");
  const id = shown[0].content.transient.display_id;
  assert.match(shown[0].content.data["text/html"], /<progress value="0\.\d+"/);
  const updates = ofType(ex, "update_display_data");
  assert.ok(updates.length >= 1 && updates.every((u) => u.content.transient.display_id === id));
  assert.match(updates[updates.length - 1].content.data["text/plain"], /crunching done/);
  const quick = await kernel.execute(`import { progress as p2 } from "smoothy"; const q = p2("quick", 1); q.update(1); q.finish();`);
  assert.is(ofType(quick, "display_data").length, 0, "quick work shows no bar");
});

test.run();
