/** Where the kernel package lives, for its own type definitions and as a fallback for bare imports. */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** `kernel/` (this file is `kernel/dist/interpreter/paths.js` once built). */
export const kernelRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
