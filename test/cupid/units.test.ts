// CUPID's C++ parts checked alone: CMake builds each native/cupid/checks/NAME.cc into
// native/build/checks/cupid_NAME, which prints "ok NAME ..." or "not ok NAME ..." per check and exits
// non-zero when one fails. Without Node in between, a failure here points at the C++ part itself.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const built = path.join(root, "native", "build", "checks");
const sources = path.join(root, "native", "cupid", "checks");

const test = suite("cupid unit checks");
const executables = existsSync(built)
  ? readdirSync(built)
      .filter((name) => name.startsWith("cupid_"))
      .sort()
  : [];

test("every check in native/cupid/checks is built, the minimiser's among them", () => {
  const expected = readdirSync(sources)
    .filter((name) => name.endsWith(".cc"))
    .map((name) => `cupid_${name.slice(0, -".cc".length)}`)
    .sort();
  assert.ok(expected.includes("cupid_sumsl"), `native/cupid/checks/sumsl.cc is missing: ${expected.join(", ")}`);
  const missing = expected.filter((name) => !executables.includes(name));
  assert.equal(missing, [], `not built in ${built}: ${missing.join(", ")} (npm run build:native builds them all)`);
});

for (const name of executables) {
  test(name, () => {
    const run = spawnSync(path.join(built, name), { encoding: "utf8", timeout: 120_000 });
    const output = `${run.error ? `${run.error.message}\n` : ""}${run.stdout ?? ""}${run.stderr ?? ""}`;
    const reported = (run.stdout ?? "").split("\n").filter((line) => /^(not )?ok /.test(line));
    assert.ok(reported.length > 0, `${name} reported no checks:\n${output}`);
    const failed = reported.filter((line) => line.startsWith("not ok "));
    assert.equal(failed, [], `${name}: ${failed.length} of ${reported.length} checks failed:\n${output}`);
    assert.is(run.status, 0, `${name} exited with ${run.status ?? run.signal}:\n${output}`);
  });
}

test.run();
