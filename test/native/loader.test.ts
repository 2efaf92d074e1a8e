// @jovial/native: the addons it knows are the ones CMake builds, each loads, and a machine without
// the build gets a message naming the Debian packages and the command, not a loader stack.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ADDONS, type AddonName, loadAddon } from "@jovial/native";
import { ROOT } from "../helpers/kernel-client.ts";

const test = suite("native addons");

test("the addons named in ADDONS are the jovial_addon() targets of native/CMakeLists.txt, and each loads", () => {
  const cmake = readFileSync(path.join(ROOT, "native", "CMakeLists.txt"), "utf8");
  const built = [...cmake.matchAll(/^\s*jovial_addon\((jovial_[a-z_]+)/gm)].map((m) => m[1]).sort();
  assert.equal(Object.keys(ADDONS).sort(), built);
  for (const name of built) assert.type(loadAddon<object>(name as AddonName), "object", name);
});

test("without the build, the message names the file, the Debian packages and the command", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-native-"));
  try {
    // The package without its build folder, as on a machine where the native build never ran.
    mkdirSync(path.join(dir, "native"));
    cpSync(path.join(ROOT, "native", "dist"), path.join(dir, "native", "dist"), { recursive: true });
    cpSync(path.join(ROOT, "native", "package.json"), path.join(dir, "native", "package.json"));
    const copy = (await import(pathToFileURL(path.join(dir, "native", "dist", "index.js")).href)) as typeof import("@jovial/native");
    assert.throws(
      () => copy.loadAddon("jovial_casa"),
      (e: Error) =>
        /casa-bridge \(casacore's images, tables and measures\) needs the native addon .*jovial_casa\.node, which did not load/.test(e.message) &&
        /apt-get install casacore-dev casacore-data cmake pkg-config g\+\+\), then build the addons: npm run build:native/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
