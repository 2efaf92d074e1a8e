// distribute() on this machine's cores: every input once, failures recorded, the memory budget kept,
// results written as they complete and a run resumed from them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { distribute } from "smoothy";
import { ROOT } from "../helpers/kernel-client.ts";

const test = suite("pipeline: local pool");
const TASK = path.join(ROOT, "test", "fixtures", "tasks", "square.mjs");
const dir = mkdtempSync(path.join(os.tmpdir(), "pipeline-local-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("every input is processed once; results stream as they finish; a failure is recorded and the run goes on", async () => {
  const inputs = Array.from({ length: 40 }, (_, n) => ({ n }));
  const run = distribute(inputs, TASK, { workers: 2, backoff: 10 });
  const streamed: number[] = [];
  for await (const r of run) streamed.push((r.input as { n: number }).n);
  assert.equal(
    [...streamed].sort((a, b) => a - b),
    inputs.map((i) => i.n),
    "each input exactly once",
  );
  const failed = run.failures;
  assert.is(failed.length, 1);
  assert.is(failed[0].error?.message, "13 is unlucky");
  assert.is(failed[0].attempts, 3, "retried before giving up");
  const rows = run.rows();
  assert.is(rows.length, 39);
  assert.ok(rows.every((r) => r.square === (r.n as number) ** 2));
});

test("the memory budget: inputs whose sizes exceed it together never run at the same time", async () => {
  const trace = path.join(dir, "trace.jsonl");
  const inputs = Array.from({ length: 12 }, (_, n) => ({ n, ms: 40, trace }));
  // Each needs 60 units and the budget is 100: one at a time despite 2 threads.
  await distribute(inputs, TASK, { workers: 2, memoryBudget: 100, size: () => 60 }).done;
  const spans = readFileSync(trace, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { started: number; ended: number })
    .sort((a, b) => a.started - b.started);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i].started >= spans[i - 1].ended, `tasks ${i - 1} and ${i} overlapped`);
  rmSync(trace);
  await distribute(inputs, TASK, { workers: 2, memoryBudget: 200, size: () => 60 }).done;
  const both = readFileSync(trace, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { started: number; ended: number })
    .sort((a, b) => a.started - b.started);
  assert.ok(
    both.some((s, i) => i > 0 && s.started < both[i - 1].ended),
    "with room for two, two run at once",
  );
});

test("results are written as they complete; a run started again skips what is done", async () => {
  const results = path.join(dir, "results.jsonl");
  const inputs = Array.from({ length: 10 }, (_, n) => ({ n }));
  await distribute(inputs.slice(0, 6), TASK, { workers: 2, results }).done;
  assert.is(readFileSync(results, "utf8").trim().split("\n").length, 6);
  // A torn last line, as a crash mid-write leaves it, is ignored.
  writeFileSync(results, readFileSync(results, "utf8") + '{"key":"{\\"n\\":7}","inp');
  const again = distribute(inputs, TASK, { workers: 2, results });
  await again.done;
  assert.is(again.results.length, 10);
  const keys = readFileSync(results, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("{") && l.endsWith("}"))
    .map((l) => (JSON.parse(l) as { key: string }).key);
  assert.is(keys.length, 10, "the 6 done before were not run again: 4 new lines");
  assert.is(new Set(keys).size, 10);
});

test("on resume, failures are tried again and successes are not", async () => {
  const results = path.join(dir, "retry.jsonl");
  const inputs = [{ n: 12 }, { n: 13 }];
  await distribute(inputs, TASK, { workers: 1, results, backoff: 1 }).done;
  const again = await distribute(inputs, TASK, { workers: 1, results, backoff: 1 }).done;
  const lines = readFileSync(results, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { key: string; ok: boolean });
  assert.equal(
    lines.map((l) => [JSON.parse(l.key).n, l.ok]),
    [
      [12, true],
      [13, false],
      [13, false],
    ],
    "13 ran again, 12 did not",
  );
  assert.is(again.length, 2);
});

test("a task module that does not load is an error naming it", async () => {
  const broken = path.join(dir, "broken.mjs");
  writeFileSync(broken, "export const nothing = 1;\n");
  const error = await distribute([1, 2], broken, { workers: 1 }).done.then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(error?.message ?? "", /exports no default/);
  const missing = (() => {
    try {
      distribute([1], path.join(dir, "nope.mjs"));
    } catch (e) {
      return e as Error;
    }
  })();
  assert.match(missing?.message ?? "", /nope\.mjs: no such file/);
});

test.run();
