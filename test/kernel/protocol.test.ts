// The wire protocol as jupyter_client speaks it: kernel_info, status pairing, signatures, malformed input.
import { existsSync } from "node:fs";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { KernelClient, ofType, testJupyterHome } from "../helpers/kernel-client.ts";

const home = testJupyterHome();
const kernel = new KernelClient(home.env);
const test = suite("protocol");

test.before(async () => {
  await kernel.start({ cwd: home.dir });
});
test.after(async () => {
  await kernel.close();
  home.cleanup();
});

test("kernel_info_reply describes a TypeScript kernel speaking protocol 5.3", async () => {
  const { reply } = await kernel.request("kernel_info_request", {});
  const c = reply.content;
  assert.is(c.status, "ok");
  assert.is(c.protocol_version, "5.3");
  assert.is(c.implementation, "jovial");
  assert.is(c.language_info.name, "typescript");
  assert.match(c.language_info.version, /^5\.9\./);
  assert.is(c.language_info.mimetype, "text/typescript");
  assert.is(c.language_info.file_extension, ".ts");
  assert.is(c.language_info.pygments_lexer, "typescript");
  assert.ok(c.language_info.codemirror_mode);
  assert.ok(c.help_links.length >= 2 && c.help_links.every((l: { url: string }) => l.url.startsWith("https://")));
});

test("kernel_info is answered on the control channel too", async () => {
  const { reply } = await kernel.request("kernel_info_request", {}, "control");
  assert.is(reply.msg_type, "kernel_info_reply");
  assert.is(reply.content.protocol_version, "5.3");
});

test("every request is wrapped in busy then idle, with the request as parent", async () => {
  for (const [type, content] of [
    ["kernel_info_request", {}],
    ["execute_request", { code: "1", silent: false, store_history: false, user_expressions: {}, allow_stdin: false }],
    ["complete_request", { code: "Ma", cursor_pos: 2 }],
    ["inspect_request", { code: "Math", cursor_pos: 2, detail_level: 0 }],
    ["is_complete_request", { code: "1 +" }],
    ["history_request", { hist_access_type: "tail", n: 1, output: false, raw: true }],
    ["comm_info_request", {}],
  ] as const) {
    const ex = await kernel.request(type, content);
    const states = ofType(ex, "status").map((m) => m.content.execution_state);
    assert.equal(states, ["busy", "idle"], type);
    assert.ok(
      ex.iopub.every((m) => m.parent_msg_id === ex.msg_id),
      type,
    );
    assert.is(ex.iopub[0].msg_type, "status", `${type}: busy comes first`);
  }
});

test("execute_input carries the code and the execution count", async () => {
  const ex = await kernel.execute("2 + 3");
  const input = ofType(ex, "execute_input")[0];
  assert.is(input.content.code, "2 + 3");
  assert.is(input.content.execution_count, ex.reply.content.execution_count);
  const next = await kernel.execute("4");
  assert.is(next.reply.content.execution_count, ex.reply.content.execution_count + 1);
});

test("silent execution does not count, echo or show a result", async () => {
  const before = (await kernel.execute("0")).reply.content.execution_count;
  const ex = await kernel.execute("(globalThis as any).silentRan = true; 7", { silent: true, store_history: false });
  assert.is(ofType(ex, "execute_input").length, 0);
  assert.is(ofType(ex, "execute_result").length, 0);
  const after = await kernel.execute("(globalThis as any).silentRan");
  assert.is(after.reply.content.execution_count, before + 1);
  assert.is(ofType(after, "execute_result")[0].content.data["text/plain"], "true");
});

test("user_expressions are evaluated after the cell", async () => {
  const ex = await kernel.execute("const ue = 20", { user_expressions: { double: "ue * 2", bad: "nope.x" } });
  const ue = ex.reply.content.user_expressions;
  assert.is(ue.double.status, "ok");
  assert.is(ue.double.data["text/plain"], "40");
  assert.is(ue.bad.status, "error");
});

function frames(header: object, parent: object, metadata: object, content: object): string[] {
  return [JSON.stringify(header), JSON.stringify(parent), JSON.stringify(metadata), JSON.stringify(content)];
}

function header(type: string, id: string) {
  return { msg_id: id, msg_type: type, session: "forger", username: "x", date: new Date().toISOString(), version: "5.3" };
}

test("jupyter_rejects_invalid_hmac_signature: a forged execute is dropped, never run", async () => {
  const marker = path.join(home.dir, "forged-ran");
  const code = (file: string) => `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(file)}, "x")`;
  const parts = frames(header("execute_request", "forged-1"), {}, {}, { code: code(marker), silent: false });
  const forged = await kernel.call("raw", { frames: ["<IDS|MSG>", "0".repeat(64), ...parts], wait: 1.0 });
  assert.equal(forged.answers, [], "no reply to a forged message");
  const unsigned = await kernel.call("raw", { frames: ["<IDS|MSG>", "", ...parts], wait: 0.5 });
  assert.equal(unsigned.answers, [], "no reply to an unsigned message");
  assert.not.ok(existsSync(marker), "the forged code did not run");
  const control = path.join(home.dir, "signed-ran");
  const ok = await kernel.execute(code(control));
  assert.is(ok.reply.content.status, "ok", "the kernel keeps serving");
  assert.ok(existsSync(control), "the same code, signed, does run");
});

test("a correctly signed message from another socket is served", async () => {
  const parts = frames(header("kernel_info_request", "signed-1"), {}, {}, {});
  const signature = await kernel.call<string>("sign", { parts });
  const { answers } = await kernel.call("raw", { frames: ["<IDS|MSG>", signature, ...parts], wait: 2.0 });
  assert.is(answers.length, 1);
  const replyHeader = JSON.parse(answers[0][answers[0].indexOf("<IDS|MSG>") + 2]);
  assert.is(replyHeader.msg_type, "kernel_info_reply");
});

test("malformed messages: bad JSON, missing fields, unknown types; the kernel keeps running", async () => {
  const badJson = ["{not json", "{}", "{}", "{}"];
  const sig1 = await kernel.call<string>("sign", { parts: badJson });
  const r1 = await kernel.call("raw", { frames: ["<IDS|MSG>", sig1, ...badJson], wait: 0.5 });
  assert.equal(r1.answers, [], "an unreadable header cannot be answered");

  const missing = frames(header("execute_request", "missing-code"), {}, {}, { silent: false });
  const sig2 = await kernel.call<string>("sign", { parts: missing });
  const r2 = await kernel.call("raw", { frames: ["<IDS|MSG>", sig2, ...missing], wait: 2.0 });
  assert.is(r2.answers.length, 1, "an error reply to a request without code");
  const c2 = JSON.parse(r2.answers[0][r2.answers[0].indexOf("<IDS|MSG>") + 5]);
  assert.is(c2.status, "error");
  assert.match(c2.evalue, /execute_request\.content\.code: missing/);

  const unknown = frames(header("frobnicate_request", "unknown-1"), {}, {}, {});
  const sig3 = await kernel.call<string>("sign", { parts: unknown });
  const r3 = await kernel.call("raw", { frames: ["<IDS|MSG>", sig3, ...unknown], wait: 2.0 });
  const h3 = JSON.parse(r3.answers[0][r3.answers[0].indexOf("<IDS|MSG>") + 2]);
  const c3 = JSON.parse(r3.answers[0][r3.answers[0].indexOf("<IDS|MSG>") + 5]);
  assert.is(h3.msg_type, "frobnicate_reply");
  assert.is(c3.ename, "UnknownMessageType");

  const wrongType = frames(header("complete_request", "wrong-type"), {}, {}, { code: 5, cursor_pos: "x" });
  const sig4 = await kernel.call<string>("sign", { parts: wrongType });
  const r4 = await kernel.call("raw", { frames: ["<IDS|MSG>", sig4, ...wrongType], wait: 2.0 });
  const c4 = JSON.parse(r4.answers[0][r4.answers[0].indexOf("<IDS|MSG>") + 5]);
  assert.match(c4.evalue, /complete_request\.content\.code: expected string, got number/);

  const tooShort = await kernel.call("raw", { frames: ["<IDS|MSG>", "abc"], wait: 0.3 });
  assert.equal(tooShort.answers, []);
  const ok = await kernel.execute("'still here'");
  assert.is(ofType(ok, "execute_result")[0].content.data["text/plain"], "'still here'");
});

test("heartbeat echoes", async () => {
  const hb = await kernel.call("heartbeat", { timeout: 2 });
  assert.ok(hb.alive);
});

test("shutdown_request with restart: jupyter_client restarts the kernel and it serves again", async () => {
  await kernel.execute("const beforeRestart = 1");
  await kernel.call("restart");
  const ex = await kernel.execute("// @ts-nocheck\ntypeof beforeRestart");
  assert.is(ofType(ex, "execute_result")[0].content.data["text/plain"], "'undefined'");
  assert.is(ex.reply.content.execution_count, 1, "a new kernel counts from 1");
});

test.run();
