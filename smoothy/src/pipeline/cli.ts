/**
 * `jovial roise FILES... --out regions.csv [--workers N] [--redis URL] [--queue NAME] [--results FILE]`:
 * RoISE over many cubes, on this machine's cores or on `jovial worker` processes through Redis. The
 * catalogue has one row per region with the cube's path first; cubes that failed (a corrupt file) are
 * listed with their errors in OUT.errors.csv, and the run goes on without them. Results also go to a
 * JSON-lines file as they complete (OUT.jsonl by default): run the same command again to resume.
 */
import { toCsv } from "../csv.js";
import { writeAtomically } from "../fits/write.js";
import { REGION_COLUMNS } from "../regions/table.js";
import { distribute } from "./distribute.js";
import { ROISE_TASK } from "./tasks.js";
import type { RegionRow } from "./roise-task.js";

const USAGE = "usage: jovial roise FILES... --out regions.csv [--workers N] [--redis redis://host:port] [--queue NAME] [--results FILE.jsonl]";

export async function main(_command: string, args: string[]): Promise<number> {
  const files: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith("--")) {
      files.push(args[i]);
      continue;
    }
    const name = args[i].slice(2);
    if (!["out", "workers", "redis", "queue", "results"].includes(name) || args[i + 1] === undefined) {
      console.error(`${args[i]}: unknown option or missing value\n${USAGE}`);
      return 2;
    }
    flags.set(name, args[++i]);
  }
  const out = flags.get("out");
  if (!out || files.length === 0) {
    console.error(`${out ? "no input files" : "--out is required"}\n${USAGE}`);
    return 2;
  }
  const workers = flags.has("workers") ? Number(flags.get("workers")) : undefined;
  if (workers !== undefined && !(Number.isInteger(workers) && workers > 0)) {
    console.error(`--workers ${flags.get("workers")}: a positive integer\n${USAGE}`);
    return 2;
  }
  const run = distribute<string, RegionRow[]>(files, ROISE_TASK, {
    workers,
    redis: flags.get("redis"),
    queue: flags.get("queue") ?? "jovial-roise",
    results: flags.get("results") ?? `${out}.jsonl`,
    label: `RoISE over ${files.length} cubes`,
  });
  const results = await run.done;
  const columns = REGION_COLUMNS.map(([name]) => name);
  const ordered = [...results].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = ordered.flatMap((r) => (r.ok ? (r.value ?? []).map((row) => [r.key, ...columns.map((c) => row[c])]) : []));
  await writeAtomically(out, [Buffer.from(toCsv(["file", ...columns], rows))], true);
  const failed = ordered.filter((r) => !r.ok);
  if (failed.length) {
    await writeAtomically(
      `${out}.errors.csv`,
      [
        Buffer.from(
          toCsv(
            ["file", "error"],
            failed.map((f) => [f.key, f.error?.message]),
          ),
        ),
      ],
      true,
    );
    for (const f of failed) console.error(`failed: ${f.key}: ${f.error?.message}`);
  }
  console.log(`${results.length - failed.length} cubes, ${rows.length} regions -> ${out}${failed.length ? `; ${failed.length} failed (${out}.errors.csv)` : ""}`);
  return 0;
}
