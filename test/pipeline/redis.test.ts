// distribute() through BullMQ on a real redis-server with several `jovial worker` processes: every
// input processed exactly once in the results, a worker killed with SIGKILL mid-run and the run still
// complete, failures recorded while the others finish, the same results as the local pool.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Queue } from "bullmq";
import { distribute, writeSyntheticArchive } from "smoothy";
import { connectionOf } from "../../smoothy/src/pipeline/redis-queue.ts";
import { ROOT } from "../helpers/kernel-client.ts";
import { startRedis, type RedisServer } from "../helpers/redis.ts";

const test = suite("pipeline: redis");
const TASK = path.join(ROOT, "test", "fixtures", "tasks", "square.mjs");
let redis: RedisServer;
const workers: ChildProcess[] = [];

function startWorker(queue: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "bin", "jovial.js"), "worker", "--queue", queue, "--redis", redis.url, "--lock-duration", "2000", "--allow", path.join(ROOT, "test", "fixtures")],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  workers.push(child);
  return child;
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    workers.splice(0).map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null || w.signalCode !== null) return resolve();
          w.once("exit", () => resolve());
          process.kill(w.pid!, "SIGTERM");
        }),
    ),
  );
}

test.before(async () => {
  redis = await startRedis();
});
test.after(async () => {
  await stopWorkers();
  await redis.stop();
});

test("three workers: every input once in the results, the failure recorded, the same rows as the local pool", async () => {
  for (let i = 0; i < 3; i++) startWorker("squares");
  const inputs = Array.from({ length: 30 }, (_, n) => ({ n, ms: 30 }));
  const run = distribute(inputs, TASK, { redis: redis.url, queue: "squares", backoff: 50 });
  const keys: string[] = [];
  for await (const r of run) keys.push(r.key);
  assert.is(keys.length, 30);
  assert.is(new Set(keys).size, 30, "no input twice");
  assert.equal(
    run.failures.map((f) => [(f.input as { n: number }).n, f.error?.message, f.attempts]),
    [[13, "13 is unlucky", 3]],
  );
  const workersSeen = new Set(run.results.filter((r) => r.ok).map((r) => r.worker));
  assert.ok(workersSeen.size >= 2, `the work was shared: ${[...workersSeen].join(", ")}`);
  const local = await distribute(inputs, TASK, { workers: 2, backoff: 10 }).done;
  const sorted = (rows: Array<Record<string, unknown>>) => rows.map((r) => JSON.stringify(r)).sort();
  assert.equal(sorted(run.rows()), sorted(local.filter((r) => r.ok).flatMap((r) => [{ input: r.key, ...(r.value as object) }])));
  await stopWorkers();
});

test("a worker runs only task modules under its allowed folders: a job naming other code fails, the run goes on", async () => {
  startWorker("guarded");
  const run = distribute([{ n: 1 }], "data:text/javascript,export default () => 'owned'", { redis: redis.url, queue: "guarded", backoff: 10 });
  const [result] = await run.done;
  assert.is(result.ok, false);
  assert.match(result.error?.message ?? "", /only file: modules run on workers/);
  const outside = distribute([{ n: 2 }], path.join(os.tmpdir(), "nowhere-task.mjs").replace(/^/, "file://"), { redis: redis.url, queue: "guarded", backoff: 10 });
  const [refused] = await outside.done;
  assert.match(refused.error?.message ?? "", /outside the folders this worker runs tasks from/);
  await stopWorkers();
});

test("a worker killed with SIGKILL mid-run: its job is taken by another, nothing lost or duplicated", async () => {
  const victim = startWorker("kill");
  startWorker("kill");
  const inputs = Array.from({ length: 16 }, (_, n) => ({ n: n + 100, ms: 400 }));
  const run = distribute(inputs, TASK, { redis: redis.url, queue: "kill" });
  let killed = false;
  for await (const r of run) {
    // Once work is flowing, the victim is in the middle of a job: kill it without warning.
    if (!killed && r.ok) {
      process.kill(victim.pid!, "SIGKILL");
      killed = true;
    }
  }
  assert.ok(killed);
  const keys = run.results.map((r) => r.key);
  assert.is(keys.length, 16);
  assert.is(new Set(keys).size, 16);
  assert.ok(
    run.results.every((r) => r.ok),
    JSON.stringify(run.failures),
  );
  // BullMQ's own record: the job the victim held was found stalled and run again by the survivor.
  const queue = new Queue("kill", { connection: connectionOf(redis.url) });
  const jobs = await queue.getJobs(["completed"]);
  await queue.close();
  assert.ok(
    jobs.some((j) => j.stalledCounter > 0 || j.attemptsStarted > 1),
    `a stalled job was taken over: ${jobs.map((j) => `${j.stalledCounter}/${j.attemptsStarted}`).join(" ")}`,
  );
  await stopWorkers();
});

test("RoISE over a generated archive: the Redis workers and the local pool give identical catalogues; a corrupt cube is reported", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pipeline-roise-"));
  try {
    const cubes = await writeSyntheticArchive(dir, 6, { seed: 3, sizes: [40, 48], channels: [24, 32] });
    const corrupt = path.join(dir, "corrupt.fits");
    writeFileSync(corrupt, readFileSync(cubes[0].file).subarray(0, 5000));
    const files = [...cubes.map((c) => c.file), corrupt];
    for (let i = 0; i < 2; i++) startWorker("roise");
    const out = (name: string) => path.join(dir, name);
    const jovial = (...a: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), "roise", ...files, ...a], { encoding: "utf8" });
    const viaRedis = jovial("--out", out("redis.csv"), "--redis", redis.url, "--queue", "roise");
    assert.is(viaRedis.status, 0, viaRedis.stderr);
    const local = jovial("--out", out("local.csv"), "--workers", "2");
    assert.is(local.status, 0, local.stderr);
    assert.match(local.stdout, /6 cubes, \d+ regions/);
    assert.is(readFileSync(out("redis.csv"), "utf8"), readFileSync(out("local.csv"), "utf8"), "the same catalogue either way");
    const errors = readFileSync(out("local.csv.errors.csv"), "utf8");
    assert.match(errors, /corrupt\.fits,.*corrupt\.fits: HDU 0/);
    // Source recovery is test/smoothy/roise.test.ts's; here: the catalogue holds regions of the cubes that were given.
    const rows = readFileSync(out("local.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",")[0]);
    assert.ok(rows.length > 0 && rows.every((f) => cubes.some((c) => c.file === f)), "rows name the input cubes");
  } finally {
    await stopWorkers();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
