/**
 * JSON for what FITS and casacore hold and JSON cannot: 64-bit integers become numbers while exact
 * and strings beyond 2^53, typed arrays become arrays. For `--json` output and files people read.
 */
const exact = (b: bigint) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString());

/** A `JSON.stringify` replacer. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return exact(value);
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Array.from(value, exact);
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value;
}

export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, jsonReplacer, indent);
}
