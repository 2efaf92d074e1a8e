/**
 * CSV as RFC 4180 and astropy's ascii.csv write it: one header line, one line per row, each ending in
 * a newline; a field is quoted when it holds a comma, a quote or a line break; null, undefined and
 * NaN are empty fields (astropy's masked values). Callers format numbers as their catalogues need.
 */

export function csvField(value: unknown): string {
  if (value === null || value === undefined || (typeof value === "number" && Number.isNaN(value))) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The document: `header` (when given) and then the rows. */
export function toCsv(header: readonly string[] | undefined, rows: Iterable<readonly unknown[]>): string {
  const lines = header ? [header.map(csvField).join(",")] : [];
  for (const row of rows) lines.push(row.map(csvField).join(","));
  return `${lines.join("\n")}\n`;
}
