/**
 * `import` in a cell. Modules resolve from the notebook's folder first, as a script there would, and
 * then from the kernel's own packages, so `import { open } from "smoothy"` works in a home folder
 * with no node_modules (the cluster's default case).
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { kernelRoot } from "./paths.js";

const BUILTINS = new Set(builtinModules);

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** A package's entry for ES module importers, for packages whose `exports` have no `require` condition. */
function resolveExportsForImport(pkgDir: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { exports?: unknown; module?: string; main?: string };
  let target: unknown = manifest.exports;
  if (typeof target === "object" && target !== null && !Array.isArray(target) && Object.keys(target).some((k) => k.startsWith("."))) {
    target = (target as Record<string, unknown>)[subpath];
  } else if (subpath !== ".") {
    target = undefined;
  }
  const pick = (t: unknown): string | undefined => {
    if (typeof t === "string") return t;
    if (Array.isArray(t)) return t.map(pick).find(Boolean);
    if (typeof t === "object" && t !== null) {
      for (const condition of ["import", "node", "default"]) {
        const hit = pick((t as Record<string, unknown>)[condition]);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  const entry = pick(target) ?? (subpath === "." ? (manifest.module ?? manifest.main) : undefined);
  return entry ? path.join(pkgDir, entry) : undefined;
}

function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function resolveFrom(specifier: string, base: string): string | undefined {
  try {
    return createRequire(path.join(base, "__jovial_import__.js")).resolve(specifier);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" && code !== "MODULE_NOT_FOUND") throw e;
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) return undefined;
    const name = packageName(specifier);
    const dir = findPackageDir(name, base);
    return dir ? resolveExportsForImport(dir, "." + specifier.slice(name.length)) : undefined;
  }
}

export function resolveModule(specifier: string, cwd: string): string {
  if (specifier.startsWith("node:") || BUILTINS.has(specifier)) return specifier;
  if (/^(file|data):/.test(specifier)) return specifier;
  const isPath = specifier.startsWith(".") || path.isAbsolute(specifier);
  const bases = isPath ? [cwd] : [cwd, kernelRoot];
  for (const base of bases) {
    const file = resolveFrom(specifier, base);
    if (file) return pathToFileURL(file).href;
  }
  const where = isPath ? cwd : `${cwd} or in the kernel's own packages (${kernelRoot})`;
  const error = new Error(`Cannot find module '${specifier}' from ${where}`) as NodeJS.ErrnoException;
  error.code = "ERR_MODULE_NOT_FOUND";
  throw error;
}

export function importModule(specifier: string, cwd: string): Promise<unknown> {
  return import(resolveModule(specifier, cwd));
}

/** `require` for cells: the notebook's folder first, then the kernel's own packages. */
export function notebookRequire(cwd: string): NodeJS.Require {
  const local = createRequire(path.join(cwd, "__jovial_import__.js"));
  const fallback = createRequire(path.join(kernelRoot, "__jovial_import__.js"));
  const require = ((id: string) => {
    try {
      return local(id);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND" || id.startsWith(".")) throw e;
      return fallback(id);
    }
  }) as NodeJS.Require;
  return Object.assign(require, { resolve: local.resolve, cache: local.cache, main: undefined, extensions: local.extensions });
}
