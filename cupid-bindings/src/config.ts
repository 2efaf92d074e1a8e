/**
 * CUPID's configuration as FINDCLUMPS users write it: `{ "FellWalker.MinDip": "3*RMS" }`, or the
 * CONFIG string "FellWalker.MinDip=3*RMS, MaxJump=6". Names and values go to the native flow as text,
 * which checks them (unknown keys, the x*RMS syntax, integers) with CUPID's rules.
 */
export type ClumpConfig = Record<string, string | number | boolean> | string;

export function parseConfig(config: ClumpConfig | undefined): Record<string, string> {
  if (config === undefined) return {};
  if (typeof config !== "string") {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "boolean" ? (v ? "1" : "0") : String(v)]));
  }
  const out: Record<string, string> = {};
  for (const item of config
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new RangeError(`configuration ${JSON.stringify(item)}: expected Name=value (as in "FellWalker.MinDip=3*RMS")`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}
