/**
 * Loads one of JOVIAL's native addons (native/build/Release/<name>.node), once. A machine without
 * it gets a message that names what to install and what to build, not the module loader's stack.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "native", "build", "Release");
const loaded = new Map<string, unknown>();

export function loadAddon<T>(name: string, purpose: string, debianPackages: string[]): T {
  const hit = loaded.get(name);
  if (hit) return hit as T;
  const file = path.join(BUILD, `${name}.node`);
  let addon: T;
  try {
    addon = createRequire(import.meta.url)(file) as T;
  } catch (e) {
    const cause = (e as Error).message.split("\n")[0];
    throw new Error(
      `${purpose} needs the native addon ${file}, which did not load: ${cause}\n` +
        "Possible solutions:\n" +
        `- Install the Debian packages (apt-get install ${[...debianPackages, "cmake", "pkg-config", "g++"].join(" ")}), then build the addons: npm run build:native\n` +
        "- Or run ./scripts/setup, which does both.",
    );
  }
  loaded.set(name, addon);
  return addon;
}
