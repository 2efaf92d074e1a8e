/** Just enough of source maps (v3) to point a stack frame of generated code back at a cell line. */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Per generated line: [generatedColumn, sourceLine, sourceColumn] segments, columns 0-based. */
export type LineMappings = Array<Array<[number, number, number]>>;

export function decodeMappings(mappings: string): LineMappings {
  const lines: LineMappings = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Array<[number, number, number]> = [];
    let generatedColumn = 0;
    for (const segment of lineText.split(",")) {
      if (segment === "") continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = DIGIT.get(ch);
        if (digit === undefined) throw new Error(`invalid source map character ${JSON.stringify(ch)}`);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generatedColumn += values[0];
      if (values.length >= 4) {
        sourceLine += values[2];
        sourceColumn += values[3];
        segments.push([generatedColumn, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The original 0-based line and column of a generated 0-based position, or undefined if unmapped. */
export function originalPosition(map: LineMappings, line: number, column: number): { line: number; column: number } | undefined {
  const segments = map[line];
  if (!segments || segments.length === 0) return undefined;
  let best = segments[0];
  for (const s of segments) {
    if (s[0] <= column) best = s;
    else break;
  }
  return { line: best[1], column: best[2] };
}
