/**
 * One 80-character header card, parsed as astropy.io.fits parses it: keyword, value and comment, with
 * HIERARCH keywords, D exponents, complex values and undefined values. A card that cannot be parsed
 * keeps its raw image and a note of why, instead of failing the file.
 */
export type CardValue = string | number | bigint | boolean | [number, number] | null;

export const COMMENTARY = new Set(["COMMENT", "HISTORY", ""]);
export const CARD_LENGTH = 80;

export interface Card {
  keyword: string;
  value: CardValue;
  comment: string;
  /** The card's 80 characters as in the file (several for a CONTINUE'd long string). */
  image: string;
  /** Why the value could not be parsed; the card is then kept raw with value null. */
  unparsable?: string;
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][+-]?\d+)?$/;

function parseNumber(text: string): number | bigint | undefined {
  if (INTEGER.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  if (FLOAT.test(text)) return Number(text.replace(/[Dd]/, "E"));
  return undefined;
}

/** Splits `value / comment` where the value is not a string. */
function splitComment(field: string): [string, string] {
  const slash = field.indexOf("/");
  return slash < 0 ? [field.trim(), ""] : [field.slice(0, slash).trim(), field.slice(slash + 1).trim()];
}

/** Parses the value field (after `= `) into the value and the comment. */
export function parseValueField(field: string): { value: CardValue; comment: string; error?: string } {
  const trimmed = field.trimStart();
  if (trimmed.startsWith("'")) {
    let i = 1;
    let text = "";
    for (;;) {
      const quote = trimmed.indexOf("'", i);
      if (quote < 0) return { value: null, comment: "", error: "unterminated string" };
      text += trimmed.slice(i, quote);
      if (trimmed[quote + 1] === "'") {
        text += "'";
        i = quote + 2;
        continue;
      }
      i = quote + 1;
      break;
    }
    const rest = trimmed.slice(i).trim();
    if (rest !== "" && !rest.startsWith("/")) return { value: null, comment: "", error: `unexpected text after the string: ${JSON.stringify(rest)}` };
    return { value: text.replace(/ +$/, ""), comment: rest.replace(/^\/\s?/, "").trimEnd() };
  }
  const [valueText, comment] = splitComment(trimmed);
  if (valueText === "") return { value: null, comment };
  if (valueText === "T" || valueText === "F") return { value: valueText === "T", comment };
  const number = parseNumber(valueText);
  if (number !== undefined) return { value: number, comment };
  const complex = /^\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)$/.exec(valueText);
  if (complex) {
    const re = parseNumber(complex[1]);
    const im = parseNumber(complex[2]);
    if (re !== undefined && im !== undefined) return { value: [Number(re), Number(im)], comment };
  }
  return { value: null, comment, error: `cannot parse the value ${JSON.stringify(valueText)}` };
}

export function parseCard(image: string): Card {
  const head = image.slice(0, 8).trimEnd();
  if (head === "HIERARCH") {
    const eq = image.indexOf("=");
    if (eq > 0) {
      const keyword = image.slice(9, eq).trim();
      const parsed = parseValueField(image.slice(eq + 1));
      return { keyword, value: parsed.value, comment: parsed.comment, image, ...(parsed.error ? { unparsable: parsed.error } : {}) };
    }
  }
  const keyword = head.toUpperCase();
  if (COMMENTARY.has(keyword) || image.slice(8, 10) !== "= ") {
    // Commentary cards (and any card without a value indicator) carry text only.
    return { keyword, value: null, comment: image.slice(8).trimEnd(), image };
  }
  const parsed = parseValueField(image.slice(10));
  return { keyword, value: parsed.value, comment: parsed.comment, image, ...(parsed.error ? { unparsable: parsed.error } : {}) };
}

function formatValue(value: CardValue): string {
  if (value === null) return "";
  if (typeof value === "boolean") return (value ? "T" : "F").padStart(20);
  if (typeof value === "string") return `'${value.replace(/'/g, "''").padEnd(8)}'`;
  if (typeof value === "bigint") return value.toString().padStart(20);
  if (Array.isArray(value)) return `(${value.map((v) => formatNumber(v)).join(", ")})`.padStart(20);
  return formatNumber(value).padStart(20);
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const text = String(n).toUpperCase();
  return text.includes(".") || text.includes("E") ? text : `${text}.0`;
}

/** Splits a string into pieces whose quoted form (quotes doubled, plus '&') fits a card's 68 columns. */
function continuedPieces(value: string): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const ch of value) {
    const cost = ch === "'" ? 2 : 1;
    if (piece.replace(/'/g, "''").length + cost > 67) {
      pieces.push(piece);
      piece = "";
    }
    piece += ch;
  }
  pieces.push(piece);
  return pieces;
}

/**
 * The image of a card made in code: 80 characters in FITS fixed format, or several for a string too
 * long for one card, continued with CONTINUE cards (the OGIP convention astropy writes and reads).
 */
export function formatCard(card: Pick<Card, "keyword" | "value" | "comment">): string {
  if (typeof card.value === "number" && !Number.isFinite(card.value)) throw new RangeError(`${card.keyword}: FITS headers cannot hold ${card.value}`);
  if (COMMENTARY.has(card.keyword)) return `${card.keyword.padEnd(8)}${card.comment}`.slice(0, CARD_LENGTH).padEnd(CARD_LENGTH);
  const head = card.keyword.length > 8 ? `HIERARCH ${card.keyword} = ` : `${card.keyword.padEnd(8)}= `;
  if (head.length > 70) throw new RangeError(`${card.keyword}: the keyword is too long for a card`);
  const comment = card.comment ? ` / ${card.comment}` : "";
  if (typeof card.value === "string" && card.value.replace(/'/g, "''").length > 68) {
    const pieces = continuedPieces(card.value);
    return pieces
      .map((piece, i) => {
        const last = i === pieces.length - 1;
        const quoted = `'${piece.replace(/'/g, "''")}${last ? "" : "&"}'`;
        const text = i === 0 ? `${head}${quoted}` : `CONTINUE  ${quoted}`;
        return `${text}${last ? comment : ""}`.slice(0, CARD_LENGTH).padEnd(CARD_LENGTH);
      })
      .join("");
  }
  return `${head}${formatValue(card.value)}${comment}`.slice(0, CARD_LENGTH).padEnd(CARD_LENGTH);
}
