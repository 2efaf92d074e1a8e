/**
 * How much memory a streaming pass may hold. A pass over a cube bigger than memory must choose its
 * chunks from a number, not from the cube: by default a quarter of what the container may use (its
 * cgroup limit, else the machine's memory), at most 2 GiB, since bigger chunks read no faster.
 * `JOVIAL_MEMORY_BUDGET` (bytes, or 512M, 2G…) or `setMemoryBudget()` override it.
 */
import { readFileSync } from "node:fs";
import os from "node:os";

const GiB = 1024 ** 3;
const DEFAULT_CAP = 2 * GiB;
const DEFAULT_FRACTION = 1 / 4;
const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };

let override: number | undefined;

/**
 * Bytes from a number or a size such as `512M`, `2G`, `64KiB`, `1.5GB` (units are binary: K = 1024).
 * `what` names the setting in the error.
 */
export function parseBytes(input: number | string, what = "a memory size"): number {
  const bytes = typeof input === "number" ? input : sizeOf(input.trim());
  if (!(Number.isFinite(bytes) && bytes >= 1)) throw new RangeError(`${what} = ${JSON.stringify(input)}: expected a number of bytes ≥ 1 or a size such as 512M or 2G`);
  return Math.floor(bytes);
}

function sizeOf(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text);
  return match ? Number(match[1]) * UNITS[match[2].toUpperCase()] : NaN;
}

/** `1.5 GiB`, `64 KiB`: sizes for messages. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const [unit, size] = bytes >= GiB ? ["GiB", GiB] : bytes >= 1024 ** 2 ? ["MiB", 1024 ** 2] : bytes >= 1024 ? ["KiB", 1024] : ["bytes", 1];
  const value = bytes / size;
  return `${size === 1 ? value : value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}

/** A number from a cgroup file; undefined when absent or unlimited ("max", or v1's near-2⁶³ "no limit"). */
function cgroupNumber(file: string): number | undefined {
  try {
    const text = readFileSync(file, "utf8").trim();
    const value = Number(text);
    return Number.isFinite(value) && value > 0 && value < 2 ** 60 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The container's memory limit: cgroup v2, then v1, then Node's view of it, then the machine's memory. */
export function memoryLimit(): number {
  const total = os.totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const limits = [
    cgroupNumber("/sys/fs/cgroup/memory.max"),
    cgroupNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    // Node 20 gives 0, undefined or UINT64_MAX when nothing constrains the process.
    constrained && constrained > 0 && constrained < total ? constrained : undefined,
    total,
  ];
  return Math.min(...limits.filter((x): x is number => x !== undefined));
}

/** Memory that could still be taken: the machine's available memory, or what the cgroup leaves, if less. */
export function freeMemory(): number {
  const available = (os as { availableMemory?: () => number }).availableMemory?.() ?? os.freemem();
  const used = cgroupNumber("/sys/fs/cgroup/memory.current") ?? cgroupNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  const limit = cgroupNumber("/sys/fs/cgroup/memory.max") ?? cgroupNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  return used !== undefined && limit !== undefined ? Math.max(0, Math.min(available, limit - used)) : available;
}

/** The bytes a streaming pass may hold: `setMemoryBudget`'s, else `JOVIAL_MEMORY_BUDGET`'s, else the default. */
export function memoryBudget(): number {
  if (override !== undefined) return override;
  const env = process.env.JOVIAL_MEMORY_BUDGET;
  if (env !== undefined && env.trim() !== "") return parseBytes(env, "JOVIAL_MEMORY_BUDGET");
  return Math.floor(Math.min(DEFAULT_CAP, memoryLimit() * DEFAULT_FRACTION));
}

/** Sets the budget for every later pass of this process (a number of bytes or a size like `512M`); undefined restores the default. */
export function setMemoryBudget(bytes: number | string | undefined): void {
  override = bytes === undefined ? undefined : parseBytes(bytes, "setMemoryBudget");
}

/** The budget a call gets: its own option, else the process-wide one. */
export function budgetOf(option: number | undefined): number {
  return option === undefined ? memoryBudget() : parseBytes(option, "budget");
}

/** An algorithm needs more memory at once than the budget allows (code `EBUDGET`). */
export class MemoryBudgetError extends Error {
  readonly code = "EBUDGET";
  constructor(
    message: string,
    readonly needed: number,
    readonly budget: number,
  ) {
    super(message);
    this.name = "MemoryBudgetError";
  }
}

/**
 * The error for an algorithm that needs its whole input in memory (a clump finder, a median along
 * the slowest axis): says what it needs, what the budget is and what is free, and what to do.
 */
export function budgetError(what: string, needed: number, budget = memoryBudget()): MemoryBudgetError {
  return new MemoryBudgetError(
    `${what} needs ${formatBytes(needed)} in memory, the budget is ${formatBytes(budget)} (free: ${formatBytes(freeMemory())}): take a sub-cube or a spectral slab first`,
    needed,
    budget,
  );
}

/** Throws `budgetError` unless `needed` bytes fit the budget. */
export function requireMemory(what: string, needed: number, budget = memoryBudget()): void {
  if (needed > budget) throw budgetError(what, needed, budget);
}
