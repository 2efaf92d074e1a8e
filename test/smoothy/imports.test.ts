// What `import "smoothy"` costs: the toolkit's entry points load no heavy dependency they do not
// need (BullMQ and ioredis only for a run on Redis), watched through Node's own module hooks.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ROOT } from "../helpers/kernel-client.ts";

const test = suite("imports");
const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-imports-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The packages under node_modules that importing `specifier` resolves, as Node's resolve hook sees them. */
function packagesLoadedBy(specifier: string): string[] {
  const hook = path.join(dir, "hook.mjs");
  const resolve =
    "export async function resolve(s, c, n) { const r = await n(s, c); const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url); if (m) console.error('PACKAGE ' + m[1]); return r; }";
  writeFileSync(hook, `import { register } from "node:module";\nregister("data:text/javascript," + encodeURIComponent(${JSON.stringify(resolve)}));\n`);
  const r = spawnSync(process.execPath, ["--import", hook, "--input-type=module", "-e", `await import(${JSON.stringify(specifier)});`], { cwd: ROOT, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  return [
    ...new Set(
      r.stderr
        .split("\n")
        .filter((l) => l.startsWith("PACKAGE "))
        .map((l) => l.slice(8)),
    ),
  ].sort();
}

for (const entry of ["smoothy", "smoothy/pipeline", "smoothy/regions", "cupid-bindings", "@jovial/kernel/notebook"]) {
  test(`import "${entry}" loads neither BullMQ nor ioredis`, () => {
    const loaded = packagesLoadedBy(entry);
    assert.ok(!loaded.includes("bullmq") && !loaded.includes("ioredis"), `${entry} loaded ${loaded.join(", ")}`);
  });
}

test("the kernel's notebook contract loads no package at all", () => {
  assert.equal(
    packagesLoadedBy("@jovial/kernel/notebook").filter((p) => p !== "@jovial/kernel"),
    [],
  );
});

test.run();
