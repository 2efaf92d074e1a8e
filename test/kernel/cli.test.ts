// `jovial kernel install` in each of its places, checked with Debian's `jupyter kernelspec list`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { declaredAssets } from "../../kernel/src/assets.ts";
import { ROOT } from "../helpers/kernel-client.ts";

const test = suite("jovial kernel install");
const tmp = mkdtempSync(path.join(os.tmpdir(), "jovial-cli-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function jovial(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}

function kernelspecs(env: Record<string, string>) {
  const r = spawnSync("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { encoding: "utf8", env: { ...process.env, ...env } });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).kernelspecs as Record<
    string,
    { resource_dir: string; spec: { argv: string[]; display_name: string; language: string; interrupt_mode: string; env: Record<string, string> } }
  >;
}

test("--prefix DIR with a name, a display name and an environment", () => {
  const r = jovial(["kernel", "install", "--prefix", tmp, "--name", "jovial-test", "--display-name", "TS (test)", "--env", "JOVIAL_TYPECHECK=0"]);
  assert.is(r.status, 0, r.stderr);
  const dir = path.join(tmp, "share", "jupyter", "kernels", "jovial-test");
  const specs = kernelspecs({ JUPYTER_PATH: path.join(tmp, "share", "jupyter") });
  const spec = specs["jovial-test"];
  assert.ok(spec, "jupyter kernelspec list finds it");
  assert.is(spec.resource_dir, dir);
  assert.is(spec.spec.display_name, "TS (test)");
  assert.is(spec.spec.language, "typescript");
  assert.is(spec.spec.interrupt_mode, "signal");
  assert.equal(spec.spec.env, { JOVIAL_TYPECHECK: "0" });
  assert.equal(spec.spec.argv.slice(-2), ["-f", "{connection_file}"]);
  assert.ok(existsSync(spec.spec.argv[1]), "the kernel's entry point exists");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
    assert.equal([...readFileSync(path.join(dir, logo)).subarray(1, 4)], [0x50, 0x4e, 0x47], `${logo} is a PNG`);
  }
});

test("the kernelspec serves the browser files packages declare (jovial.assets), byte for byte", () => {
  const dir = path.join(tmp, "share", "jupyter", "kernels", "jovial-test");
  const smoothy = JSON.parse(readFileSync(path.join(ROOT, "smoothy", "package.json"), "utf8")) as { jovial: { assets: Record<string, string> } };
  assert.equal(Object.keys(smoothy.jovial.assets).sort(), ["plotly.min.js", "three.core.js", "three.module.js"]);
  for (const [as, spec] of Object.entries(smoothy.jovial.assets)) {
    assert.ok(readFileSync(path.join(dir, as)).equals(readFileSync(path.join(ROOT, "node_modules", spec))), `${as} is ${spec}`);
  }
});

test("asset declarations: found up the node_modules folders, with errors that name the package", () => {
  const root = mkdtempSync(path.join(tmp, "assets-"));
  const pkg = (dir: string, manifest: object, files: Record<string, string> = {}) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  };
  pkg(path.join(root, "node_modules", "viewer"), { name: "viewer", jovial: { assets: { "lib.js": "@scope/lib/dist.js" } } });
  pkg(path.join(root, "node_modules", "@scope", "lib"), { name: "@scope/lib" }, { "dist.js": "lib" });
  pkg(path.join(root, "node_modules", "plain"), { name: "plain" });
  const kernel = path.join(root, "kernel");
  mkdirSync(kernel);
  const found = declaredAssets(kernel);
  assert.equal(
    found.map((a) => [a.as, a.declaredBy, readFileSync(a.path, "utf8")]),
    [["lib.js", "viewer", "lib"]],
  );
  pkg(path.join(root, "node_modules", "other"), { name: "other", jovial: { assets: { "lib.js": "other/own.js" } } }, { "own.js": "own" });
  assert.throws(() => declaredAssets(kernel), /other and viewer both declare the browser asset lib\.js|viewer and other both declare the browser asset lib\.js/);
  rmSync(path.join(root, "node_modules", "other"), { recursive: true });
  pkg(path.join(root, "node_modules", "broken"), { name: "broken", jovial: { assets: { "x.js": "missing-pkg/x.js" } } });
  assert.throws(() => declaredAssets(kernel), /broken: the asset x\.js is declared as "missing-pkg\/x\.js", and the package missing-pkg is not installed/);
});

test("--user (the default) writes into the user's Jupyter data dir", () => {
  const data = path.join(tmp, "userdata");
  const r = jovial(["kernel", "install"], { JUPYTER_DATA_DIR: data });
  assert.is(r.status, 0, r.stderr);
  const specs = kernelspecs({ JUPYTER_DATA_DIR: data });
  assert.is(specs.jovial.resource_dir, path.join(data, "kernels", "jovial"));
  assert.is(specs.jovial.spec.display_name, "TypeScript (JOVIAL)");
});

test("--sys-prefix writes into the Python prefix that runs Jupyter", () => {
  const name = `jovial-sysprefix-${process.pid}`;
  const r = jovial(["kernel", "install", "--sys-prefix", "--name", name]);
  try {
    assert.is(r.status, 0, r.stderr);
    const specs = kernelspecs({});
    assert.is(specs[name].resource_dir, path.join("/usr", "share", "jupyter", "kernels", name));
  } finally {
    rmSync(path.join("/usr", "share", "jupyter", "kernels", name), { recursive: true, force: true });
  }
});

test("wrong usage is refused with a message", () => {
  const both = jovial(["kernel", "install", "--user", "--prefix", tmp]);
  assert.is(both.status, 2);
  assert.match(both.stderr, /choose one of --user, --sys-prefix and --prefix/);
  const badName = jovial(["kernel", "install", "--prefix", tmp, "--name", "no spaces"]);
  assert.is.not(badName.status, 0);
  assert.match(badName.stderr, /kernel name "no spaces"/);
  const unknown = jovial(["frobnicate"]);
  assert.is(unknown.status, 2);
  assert.match(unknown.stdout, /usage: jovial/);
});

test.run();
