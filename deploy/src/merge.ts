/**
 * Helm's two ways of combining values, reproduced so that what the tests validate is what
 * `helm install` sees. Maps merge key by key; lists and scalars are replaced. Several `-f` files are
 * merged with their nulls kept; the result is then coalesced with the chart's values.yaml, where a
 * null removes the chart's default (how an overlay says "unset singleuser.uid").
 */
export type Values = { [key: string]: unknown };

export function isMap(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `helm -f lower.yaml -f upper.yaml`: upper wins, nulls are kept for the chart's coalescing. */
export function mergeValuesFiles(lower: Values, upper: Values): Values {
  const out: Values = { ...lower };
  for (const [key, value] of Object.entries(upper)) {
    if (isMap(value) && isMap(out[key])) out[key] = mergeValuesFiles(out[key] as Values, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** The user's values over the chart's defaults: a null in the user's values deletes the key. */
export function coalesceWithChartDefaults(defaults: Values, user: Values): Values {
  const out: Values = structuredClone(defaults);
  for (const [key, value] of Object.entries(user)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = coalesceWithChartDefaults(out[key] as Values, value);
    else out[key] = structuredClone(value);
  }
  return out;
}
