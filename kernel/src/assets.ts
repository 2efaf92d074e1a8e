/**
 * Browser files that packages ask the notebook to serve. A package declares them in its
 * package.json, by the name the page loads them as and the package file that holds them:
 *
 *   "jovial": { "assets": { "plotly.min.js": "plotly.js-dist-min/plotly.min.js" } }
 *
 * `jovial kernel install` copies every declared file of the packages the kernel can import into the
 * kernelspec's folder, which every Jupyter server serves at `kernelspecs/<name>/`; a package that
 * writes standalone pages reads its own declaration to carry the files inside them. The kernel knows
 * no toolkit by name: what a page needs is the package's to say. Only Node's built-ins are used here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface Asset {
  /** The name the page loads it as (a file name, no folders). */
  as: string;
  /** Its path on this machine. */
  path: string;
  /** The package that declared it. */
  declaredBy: string;
}

interface Manifest {
  name?: string;
  jovial?: { assets?: Record<string, string> };
}

function manifest(dir: string): Manifest | undefined {
  const file = path.join(dir, "package.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Manifest;
}

/** The folder of package `name` as Node would find it from `from` (up the node_modules folders). */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (manifest(candidate)?.name === name) return candidate;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** The files one package declares, resolved from its folder; an error names the package and the file it lacks. */
export function packageAssets(dir: string): Asset[] {
  const own = manifest(dir);
  const declared = own?.jovial?.assets ?? {};
  return Object.entries(declared).map(([as, spec]) => {
    if (!/^[\w.-]+$/.test(as)) throw new Error(`${dir}/package.json: jovial.assets name ${JSON.stringify(as)} must be a plain file name`);
    const parts = spec.split("/");
    const pkg = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    const file = parts.slice(spec.startsWith("@") ? 2 : 1).join("/");
    const at = packageDir(pkg, dir);
    if (!at || !file)
      throw new Error(`${own?.name ?? dir}: the asset ${as} is declared as ${JSON.stringify(spec)}, and the package ${pkg} is not installed beside it (run npm ci)`);
    const full = path.join(at, file);
    if (!existsSync(full)) throw new Error(`${own?.name ?? dir}: the asset ${as} is declared as ${JSON.stringify(spec)}, and ${full} does not exist`);
    return { as, path: full, declaredBy: own?.name ?? dir };
  });
}

/** The packages in one node_modules folder, scoped ones included. */
function installed(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules).flatMap((entry) => {
    if (entry.startsWith(".")) return [];
    const full = path.join(nodeModules, entry);
    return entry.startsWith("@") ? readdirSync(full).map((e) => path.join(full, e)) : [full];
  });
}

/**
 * Every asset declared by a package importable from `from` (the kernel's own folder): each
 * node_modules folder up the tree, nearest first, as Node resolves. Two packages declaring the same
 * name for different files is an error, since the page could load only one of them.
 */
export function declaredAssets(from: string): Asset[] {
  const seen = new Map<string, Asset>();
  const packages = new Set<string>();
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    for (const pkg of installed(path.join(dir, "node_modules"))) {
      const name = manifest(pkg)?.name;
      if (!name || packages.has(name)) continue;
      packages.add(name);
      for (const asset of packageAssets(pkg)) {
        const other = seen.get(asset.as);
        if (other && other.path !== asset.path) throw new Error(`${asset.declaredBy} and ${other.declaredBy} both declare the browser asset ${asset.as}, as different files`);
        seen.set(asset.as, asset);
      }
    }
    if (dir === path.dirname(dir)) break;
  }
  return [...seen.values()];
}
