/** `jovial kernel install …` and `jovial notebook [DIR]`. */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { declaredAssets } from "./assets.js";
import { parseCommand, runCommand, UsageError } from "./command.js";
import { kernelRoot } from "./interpreter/paths.js";

export interface KernelspecOptions {
  name?: string;
  displayName?: string;
  /** Where: the user's data dir, the Python prefix's, or `<prefix>/share/jupyter`. */
  location?: { user: true } | { sysPrefix: true } | { prefix: string };
  /** Extra environment for the kernel process, e.g. `JOVIAL_TYPECHECK=0`. */
  env?: Record<string, string>;
}

function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(xdg, "jupyter");
}

/** sys.prefix of the Python that runs Jupyter (Debian's: /usr). */
function pythonPrefix(): string {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    if (r.status === 0) return r.stdout.trim();
  }
  throw new Error("--sys-prefix needs python3 to find sys.prefix; install Debian's python3 package");
}

export function kernelspecDir(options: KernelspecOptions = {}): string {
  const name = options.name ?? "jovial";
  const location = options.location ?? { user: true };
  const base = "prefix" in location ? path.join(location.prefix, "share", "jupyter") : "sysPrefix" in location ? path.join(pythonPrefix(), "share", "jupyter") : userDataDir();
  return path.join(base, "kernels", name);
}

export function installKernelspec(options: KernelspecOptions = {}): string {
  const name = options.name ?? "jovial";
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`kernel name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' only (Jupyter's rule)`);
  const dir = kernelspecDir(options);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, path.join(kernelRoot, "dist", "main.js"), "-f", "{connection_file}"],
    display_name: options.displayName ?? "TypeScript (JOVIAL)",
    language: "typescript",
    interrupt_mode: "signal",
    env: options.env ?? {},
    metadata: { debugger: false },
  };
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
    const from = path.join(kernelRoot, "kernelspec", logo);
    if (existsSync(from)) copyFileSync(from, path.join(dir, logo));
  }
  // Jupyter servers serve a kernelspec's folder at /kernelspecs/<name>/: views load the libraries
  // their packages declare (plotly.js, three.js) from there, so they work offline and behind JupyterHub.
  for (const asset of declaredAssets(kernelRoot)) copyFileSync(asset.path, path.join(dir, asset.as));
  return dir;
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Starts JupyterLab where it is installed, else the classic notebook, with our kernel as the default. */
export function notebook(dir: string, extra: string[] = [], kernelName = "jovial"): Promise<number> {
  installKernelspec({ name: kernelName });
  const lab = which("jupyter-lab");
  const classic = which("jupyter-notebook");
  const program = lab ?? classic;
  if (!program) {
    console.error("jovial notebook: neither jupyter-lab nor jupyter-notebook is on PATH; install Debian's jupyter-notebook package (apt-get install jupyter-notebook)");
    return Promise.resolve(1);
  }
  const args = [
    "--ip=127.0.0.1",
    "--no-browser",
    `--${lab ? "ServerApp.root_dir" : "notebook-dir"}=${path.resolve(dir)}`,
    `--MappingKernelManager.default_kernel_name=${kernelName}`,
    ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ...extra,
  ];
  console.error(`jovial: ${path.basename(program)} ${args.join(" ")}`);
  const child = spawn(program, args, { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

export async function main(command: string, argv: string[]): Promise<number> {
  if (command === "notebook") {
    const split = argv.indexOf("--");
    const own = split >= 0 ? argv.slice(0, split) : argv;
    const extra = split >= 0 ? argv.slice(split + 1) : [];
    return notebook(own[0] ?? ".", extra);
  }
  const [sub, ...rest] = argv;
  return runCommand(INSTALL_USAGE, argv, () => {
    if (sub !== "install") throw new UsageError(sub ? `unknown kernel command ${sub}` : "which kernel command?");
    return install(rest);
  });
}

const INSTALL_USAGE = "usage: jovial kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT] [--env KEY=VALUE]...";

function install(rest: string[]): number {
  const { values, positionals } = parseCommand(rest, {
    user: { type: "boolean" },
    "sys-prefix": { type: "boolean" },
    prefix: { type: "string" },
    name: { type: "string" },
    "display-name": { type: "string" },
    env: { type: "string", multiple: true },
  } as const);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("choose one of --user, --sys-prefix and --prefix");
  const env = Object.fromEntries(
    (values.env ?? []).map((kv) => {
      const at = kv.indexOf("=");
      if (at <= 0) throw new UsageError(`--env ${kv}: expected KEY=VALUE`);
      return [kv.slice(0, at), kv.slice(at + 1)];
    }),
  );
  const dir = installKernelspec({
    name: values.name,
    displayName: values["display-name"],
    location: values.prefix !== undefined ? { prefix: values.prefix } : values["sys-prefix"] ? { sysPrefix: true } : { user: true },
    env,
  });
  console.log(`Installed kernelspec ${values.name ?? "jovial"} in ${dir}`);
  return 0;
}
