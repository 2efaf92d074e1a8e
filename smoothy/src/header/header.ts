/**
 * A FITS header: every card kept in order, looked up by keyword as astropy's `Header` is.
 * CONTINUE cards are joined into the long string they continue (the OGIP convention astropy follows).
 */
import { inspect } from "node:util";
import { CARD_LENGTH, COMMENTARY, parseCard, parseValueField, type Card, type CardValue } from "./card.js";

export class Header {
  readonly cards: readonly Card[];
  private readonly index = new Map<string, number>();

  constructor(cards: Card[]) {
    this.cards = cards;
    cards.forEach((card, i) => {
      if (!COMMENTARY.has(card.keyword) && !this.index.has(card.keyword)) this.index.set(card.keyword, i);
    });
  }

  /** Parses the card images of one header (without END) and joins CONTINUE cards. */
  static fromImages(images: string[]): { header: Header; warnings: string[] } {
    const cards: Card[] = [];
    const warnings: string[] = [];
    for (const image of images) {
      const card = parseCard(image);
      const previous = cards[cards.length - 1];
      if (card.keyword === "CONTINUE" && previous && typeof previous.value === "string" && previous.value.endsWith("&")) {
        const part = parseValueField(image.slice(8));
        if (typeof part.value === "string") {
          previous.value = previous.value.slice(0, -1) + part.value;
          previous.comment = [previous.comment, part.comment].filter(Boolean).join(" ");
          previous.image += image;
          continue;
        }
      }
      if (card.unparsable) warnings.push(`card ${cards.length + 1} (${card.keyword}): ${card.unparsable}; kept as it is`);
      cards.push(card);
    }
    return { header: new Header(cards), warnings };
  }

  has(keyword: string): boolean {
    return this.index.has(keyword.toUpperCase());
  }

  /** The value of the first card with this keyword (HIERARCH keywords without the HIERARCH prefix). */
  get(keyword: string): CardValue | undefined;
  get<T extends CardValue>(keyword: string, fallback: T): CardValue | T;
  get(keyword: string, fallback?: CardValue): CardValue | undefined {
    const i = this.index.get(keyword.toUpperCase());
    return i === undefined ? fallback : this.cards[i].value;
  }

  /** A numeric value, or an error naming the keyword when it is missing or not a number. */
  number(keyword: string, fallback?: number): number {
    const v = this.get(keyword);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    throw new TypeError(`${keyword}: expected a number, got ${v === undefined ? "no such card" : JSON.stringify(v)}`);
  }

  comment(keyword: string): string | undefined {
    const i = this.index.get(keyword.toUpperCase());
    return i === undefined ? undefined : this.cards[i].comment;
  }

  keys(): string[] {
    return this.cards.map((c) => c.keyword);
  }

  /** All COMMENT or HISTORY text, one entry per card. */
  commentary(keyword: "COMMENT" | "HISTORY"): string[] {
    return this.cards.filter((c) => c.keyword === keyword).map((c) => c.comment);
  }

  /** The header as it stands in the file: 80-character cards, one per line. */
  toString(): string {
    return this.cards.map((c) => c.image.match(new RegExp(`.{1,${CARD_LENGTH}}`, "g"))!.join("\n")).join("\n");
  }

  toJSON(): Array<[string, CardValue, string]> {
    return this.cards.map((c) => [c.keyword, typeof c.value === "bigint" ? (c.value.toString() as unknown as CardValue) : c.value, c.comment]);
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}
