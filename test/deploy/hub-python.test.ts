// The hub's Python (deploy/hub/*.py) under Debian's python3 and unittest: test/deploy/hub/test_*.py.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";

const test = suite("deploy hub python");

test("python3 -m unittest: deploy/hub's snippets", () => {
  const r = spawnSync(PYTHON, ["-m", "unittest", "discover", "-s", path.join(ROOT, "test", "deploy", "hub"), "-p", "test_*.py", "-v"], {
    env: { ...process.env, PYTHONPATH: path.join(ROOT, "deploy", "hub"), PYTHONDONTWRITEBYTECODE: "1" },
    encoding: "utf8",
  });
  assert.is(r.status, 0, r.stderr);
  const ran = Number(/Ran (\d+) tests/.exec(r.stderr)?.[1]);
  assert.ok(ran >= 13, `ran ${ran} tests:\n${r.stderr}`);
});

test.run();
