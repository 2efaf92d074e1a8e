// The single-user image's recipe without a Docker engine: deploy/image/install.sh (the script the
// Dockerfile runs) installs into a temporary sys-prefix, and Jupyter's own tools find our kernel there
// as the default and only one, with the views' libraries beside it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";

const test = suite("deploy image");
const prefix = mkdtempSync(path.join(os.tmpdir(), "jovial-image-"));
test.after(() => rmSync(prefix, { recursive: true, force: true }));

test("the Dockerfile runs install.sh, as non-root, from Node 20 on Debian 12", () => {
  const dockerfile = readFileSync(path.join(ROOT, "deploy", "image", "Dockerfile"), "utf8");
  assert.match(dockerfile, /^FROM node:20\.[0-9.]+-bookworm$/m);
  assert.match(dockerfile, /RUN \/opt\/jovial\/deploy\/image\/install\.sh --source \/opt\/jovial --sys-prefix \/opt\/jupyter/);
  assert.match(dockerfile, /jupyterlab==/);
  assert.match(dockerfile, /wcslib-dev libcfitsio-dev casacore-dev/);
  assert.match(dockerfile, /^USER 1000$/m);
});

test("install.sh installs the kernelspec, the default-kernel settings and the command", () => {
  const r = spawnSync(
    "bash",
    [path.join(ROOT, "deploy", "image", "install.sh"), "--source", ROOT, "--sys-prefix", prefix, "--bin-dir", path.join(prefix, "bin"), "--only-kernel", "--skip-build"],
    { encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stderr);
  const kernel = path.join(prefix, "share", "jupyter", "kernels", "jovial");
  const spec = JSON.parse(readFileSync(path.join(kernel, "kernel.json"), "utf8"));
  assert.is(spec.language, "typescript");
  assert.ok(existsSync(spec.argv[1]), `the kernel's entry ${spec.argv[1]} exists`);
  for (const asset of ["plotly.min.js", "three.module.js", "three.core.js"]) assert.ok(existsSync(path.join(kernel, asset)), asset);
  assert.is(readlinkSync(path.join(prefix, "bin", "jovial")), path.join(ROOT, "bin", "jovial.js"));
});

test("Jupyter's own config loaders see jovial as the default and only kernel", () => {
  // jupyter_server's conf.d file as traitlets reads it (JupyterLab's server, in the image), and the
  // classic notebook server's own loader (Debian's, in the local end-to-end test).
  const script = `
import json, sys
from traitlets.config.loader import JSONFileConfigLoader
from notebook.notebookapp import NotebookApp
from jupyter_client.kernelspec import KernelSpecManager
prefix = sys.argv[1]
server = JSONFileConfigLoader("jovial.json", path=prefix + "/etc/jupyter/jupyter_server_config.d").load_config()
notebook = NotebookApp()
notebook.load_config_file()
m = KernelSpecManager(kernel_dirs=[prefix + "/share/jupyter/kernels"], allowed_kernelspecs={"jovial"})
print(json.dumps({
    "jupyter_server": [server.MappingKernelManager.default_kernel_name, list(server.KernelSpecManager.allowed_kernelspecs)],
    "notebook": [notebook.config.MappingKernelManager.default_kernel_name, list(notebook.config.KernelSpecManager.allowed_kernelspecs)],
    "specs": sorted(m.find_kernel_specs()),
}))
`;
  const r = spawnSync(PYTHON, ["-c", script, prefix], { encoding: "utf8", env: { ...process.env, JUPYTER_CONFIG_PATH: path.join(prefix, "etc", "jupyter") } });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { jupyter_server: ["jovial", ["jovial"]], notebook: ["jovial", ["jovial"]], specs: ["jovial"] });
});

test("install.sh refuses to run without its prefixes", () => {
  const r = spawnSync("bash", [path.join(ROOT, "deploy", "image", "install.sh"), "--source", ROOT], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /usage: install\.sh/);
});

test.run();
