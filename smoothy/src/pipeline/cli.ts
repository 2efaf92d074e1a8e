/**
 * `jovial roise FILES... --out regions.csv [--workers N] [--redis URL] [--queue NAME] [--results FILE]`:
 * RoISE over many cubes, on this machine's cores or on `jovial worker` processes through Redis. The
 * catalogue has one row per region with the cube's path first; cubes that failed (a corrupt file) are
 * listed with their errors in OUT.errors.csv, and the run goes on without them. Results also go to a
 * JSON-lines file as they complete (OUT.jsonl by default): run the same command again to resume.
 */
import { parseCommand, positiveInteger, runCommand, UsageError } from "@jovial/kernel/command";
import { toCsv } from "../common/csv.js";
import { writeAtomically } from "../fits/write.js";
import { REGION_COLUMNS } from "../regions/table.js";
import { distribute } from "./distribute.js";
import { ROISE_TASK } from "./tasks.js";
import type { RegionRow } from "./roise-task.js";

const USAGE = "usage: jovial roise FILES... --out regions.csv [--workers N] [--redis redis://host:port] [--queue NAME] [--results FILE.jsonl]";

const OPTIONS = { out: { type: "string" }, workers: { type: "string" }, redis: { type: "string" }, queue: { type: "string" }, results: { type: "string" } } as const;

export function main(_command: string, args: string[]): Promise<number> {
  return runCommand(USAGE, args, () => roise(args));
}

async function roise(args: string[]): Promise<number> {
  const { values, positionals: files } = parseCommand(args, OPTIONS);
  const out = values.out;
  if (!out) throw new UsageError("--out is required");
  if (files.length === 0) throw new UsageError("no input files");
  const workers = positiveInteger("workers", values.workers);
  const run = distribute<string, RegionRow[]>(files, ROISE_TASK, {
    workers,
    redis: values.redis,
    queue: values.queue ?? "jovial-roise",
    results: values.results ?? `${out}.jsonl`,
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
