/**
 * Loads JOVIAL's native addons (build/Release/<name>.node beside this package), each once. The
 * addons are this package's: so is the knowledge of what each needs, and a machine without one gets
 * a message naming the Debian packages to install and the build to run, not the module loader's stack.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Each addon, what it is for (for the message) and the Debian packages its build links. */
export const ADDONS = {
  jovial_io: { purpose: "Fast FITS reads", debian: [] },
  jovial_cfitsio: { purpose: "Reading tile-compressed FITS images", debian: ["libcfitsio-dev"] },
  jovial_wcslib: { purpose: "smoothy's WCS", debian: ["wcslib-dev"] },
  jovial_cupid: { purpose: "CUPID's clump finders", debian: [] },
  jovial_casa: { purpose: "casa-bridge (casacore's images, tables and measures)", debian: ["casacore-dev", "casacore-data"] },
} as const satisfies Record<string, { purpose: string; debian: readonly string[] }>;

export type AddonName = keyof typeof ADDONS;

/** dist/index.js is one level below the package's folder. */
export const BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "Release");

const loaded = new Map<AddonName, unknown>();

export function loadAddon<T>(name: AddonName): T {
  const hit = loaded.get(name);
  if (hit) return hit as T;
  const { purpose, debian } = ADDONS[name];
  const file = path.join(BUILD_DIR, `${name}.node`);
  let addon: T;
  try {
    addon = createRequire(import.meta.url)(file) as T;
  } catch (e) {
    const cause = (e as Error).message.split("\n")[0];
    throw new Error(
      `${purpose} needs the native addon ${file}, which did not load: ${cause}\n` +
        "Possible solutions:\n" +
        `- Install the Debian packages (apt-get install ${[...debian, "cmake", "pkg-config", "g++"].join(" ")}), then build the addons: npm run build:native\n` +
        "- Or run ./scripts/setup, which does both.",
    );
  }
  loaded.set(name, addon);
  return addon;
}
