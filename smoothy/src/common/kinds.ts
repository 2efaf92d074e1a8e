/**
 * What kind of smoothy object a value is, told by a brand under a registered symbol. `instanceof`
 * fails silently when a notebook folder has its own copy of smoothy next to the kernel's; a
 * registered symbol is the same in every copy.
 */
export const KIND = Symbol.for("smoothy.kind");

/** Node's util.inspect hook (a registered symbol, so no import of node:util is needed to define it). */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");

export type SmoothyKind = "Spectrum" | "Image" | "Cube" | "HDU" | "HDUList" | "Table" | "WCS" | "View";

export function kindOf(value: unknown): SmoothyKind | undefined {
  return value !== null && typeof value === "object" ? ((value as { [KIND]?: SmoothyKind })[KIND] ?? undefined) : undefined;
}
