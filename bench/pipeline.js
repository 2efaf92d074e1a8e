#!/usr/bin/env node
// The pipeline's throughput: RoISE over a generated archive of 200 ALMA-like cubes on the local pool
// with one and two threads (scaling on this 2-core machine), the queue's own cost per task (trivial
// tasks on the local pool against BullMQ with two `jovial worker` processes on a loopback
// redis-server), and the peak memory of a worker. From the measured cost per byte, a model of the
// paper's run (2,666 cubes, 1.87 TB, 96 cores). The table goes to the pipeline section of bench/README.md.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { distribute, writeSyntheticArchive } from "smoothy";
import { writeReadmeSection } from "./readme-section.js";

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const log = (...a) => console.error("[bench pipeline]", ...a);
const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-bench-pipeline-"));
const roiseTask = path.join(root, "smoothy", "dist", "pipeline", "roise-task.js");
const trivialTask = path.join(root, "test", "fixtures", "tasks", "square.mjs");
const N = Number(process.env.PIPELINE_BENCH_CUBES ?? 200);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const seconds = async (fn) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
/** Peak RSS (VmHWM) of a process, in MiB. */
const peakMiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;

let redis;
const workers = [];
try {
  log(`writing ${N} cubes`);
  const cubes = await writeSyntheticArchive(dir, N, { seed: 7, sizes: [64, 96], channels: [48, 96] });
  const files = cubes.map((c) => c.file);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  for (const f of files) readFileSync(f); // warm page cache: the model separates CPU from the disk

  log("local pool, 1 thread");
  const one = await seconds(() => distribute(files, roiseTask, { workers: 1 }).done);
  log("local pool, 2 threads");
  const two = await seconds(() => distribute(files, roiseTask, { workers: 2 }).done);

  const port = await freePort();
  redis = spawn("/usr/bin/redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 2; i++)
    workers.push(
      spawn(process.execPath, [path.join(root, "bin", "jovial.js"), "worker", "--queue", "bench", "--redis", url, "--allow", path.join(root, "test", "fixtures")], {
        stdio: "ignore",
      }),
    );
  await new Promise((r) => setTimeout(r, 1500));
  log("redis, 2 workers, RoISE");
  const viaRedis = await seconds(() => distribute(files, roiseTask, { redis: url, queue: "bench" }).done);
  const workerPeak = Math.max(...workers.map((w) => peakMiB(w.pid)));

  const trivial = Array.from({ length: 500 }, (_, n) => ({ n, ms: 0 }));
  log("queue overhead: 500 trivial tasks");
  const localTrivial = await seconds(() => distribute(trivial, trivialTask, { workers: 2 }).done);
  const redisTrivial = await seconds(() => distribute(trivial, trivialTask, { redis: url, queue: "bench" }).done);
  for (const w of workers) w.kill("SIGTERM");

  const perCube2 = two / N;
  const costPerGBCore = one / (bytes / 1e9); // CPU seconds per GB on one core
  const paperBytes = 1.87e12,
    paperCubes = 2666,
    paperCores = 96;
  const cpuHours = ((paperBytes / 1e9) * costPerGBCore) / paperCores / 3600;
  const lustre = 5; // GB/s aggregate read assumed for the model
  const diskHours = paperBytes / 1e9 / lustre / 3600;
  const avgCubeGB = paperBytes / paperCubes / 1e9;
  const rows = [
    ["archive", `${N} cubes, ${(bytes / 1e6).toFixed(0)} MB (64–96 px a side, 48–96 channels, 1–3 sources each), page cache warm`],
    ["local pool, 1 thread", `${one.toFixed(2)} s: ${(N / one).toFixed(1)} cubes/s`],
    [
      "local pool, 2 threads",
      `${two.toFixed(2)} s: ${(N / two).toFixed(1)} cubes/s; scaling ${(one / two).toFixed(2)}× (target ≥ 1.8×: ${one / two >= 1.8 ? "met" : "**missed**"})`,
    ],
    ["Redis (BullMQ), 2 `jovial worker` processes", `${viaRedis.toFixed(2)} s: ${(N / viaRedis).toFixed(1)} cubes/s`],
    [
      "queue overhead per task (500 trivial tasks, Redis − local)",
      `${(((redisTrivial - localTrivial) / 500) * 1000).toFixed(2)} ms (local ${((localTrivial / 500) * 1000).toFixed(2)} ms, Redis ${((redisTrivial / 500) * 1000).toFixed(2)} ms per task; target < 5 ms: ${((redisTrivial - localTrivial) / 500) * 1000 < 5 ? "met" : "**missed**"})`,
    ],
    ["peak memory of a worker process (VmHWM)", `${workerPeak.toFixed(0)} MiB`],
    ["cost per byte (1 thread, CPU-bound, warm cache)", `${costPerGBCore.toFixed(1)} core-seconds per GB`],
  ];
  const table = ["| measure | result |", "| --- | --- |", ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join("\n");
  const model = `### A model of the paper's run (2,666 cubes, 1.87 TB, 96 cores)

- **CPU:** at ${costPerGBCore.toFixed(1)} core-seconds per GB, 1.87 TB is ${(((paperBytes / 1e9) * costPerGBCore) / 3600).toFixed(0)} core-hours: **${cpuHours.toFixed(1)} hours on 96 cores** with perfect scaling (measured scaling on 2 cores: ${(one / two).toFixed(2)}×; the queue adds ${(((redisTrivial - localTrivial) / 500) * 1000).toFixed(1)} ms per cube, nothing at this scale).
- **Disk:** reading 1.87 TB at an assumed ${lustre} GB/s aggregate from Lustre takes ${diskHours.toFixed(1)} hours; at 1 GB/s, ${(diskHours * lustre).toFixed(1)} hours. So the run is CPU-bound when the file system delivers more than ${(paperBytes / 1e9 / (cpuHours * 3600)).toFixed(2)} GB/s, and disk-bound below.
- **Memory:** the paper's cubes average ${avgCubeGB.toFixed(2)} GB; a worker holds a cube, its stacked images and its labels, about ${(2 * avgCubeGB).toFixed(1)} GB at peak by our per-cube budget (twice the file), so 96 workers need about ${(96 * 2 * avgCubeGB).toFixed(0)} GB across the cluster: the pool's memory budget limits how many run at once on a node with less.
- Measured here on ${os.cpus().length} cores; the per-byte cost on the cluster's cores will differ by their speed.`;
  console.log(`${table}\n\n${model}`);
  writeReadmeSection(
    "pipeline",
    `## The pipeline: RoISE over an archive

From \`bench/pipeline.js\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.

${table}

${model}
`,
  );
} finally {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
  redis?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
