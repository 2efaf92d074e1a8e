/**
 * SCAMP's distortion cards, read as astropy.wcs reads them. SCAMP (and headers from the Palomar
 * Transient Factory and DECam) writes its polynomial distortion as PVi_m cards with m ≥ 5 on TAN
 * axes, which the FITS standard reserves and wcslib rejects ("PV1_5 : Unrecognized coordinate
 * transformation parameter"). astropy.wcs (`WCS._fix_pre2012_scamp_tpv` and `WCS._fix_scamp`):
 * - two "-TAN" axes with such cards are pre-2012 TPV: CTYPE becomes "-TPV" (wcslib evaluates it) and
 *   any SIP cards are dropped, TPV taking precedence;
 * - two "-TAN-SIP" axes with such cards carry the same distortion twice: the PV cards are dropped
 *   and SIP is used.
 * Each change is reported as a warning naming the cards, as astropy's FITSFixedWarning does.
 */
import type { Card } from "../header/card.js";

const PV = /^PV(\d+)_(\d+)([A-Z]?)$/;
const SIP = /^(A|B|AP|BP)_(ORDER|\d+_\d+)$/;

export interface ScampFix {
  cards: Card[];
  warnings: string[];
}

function scampAxes(cards: readonly Card[], k: string, suffix: "-TAN" | "-TAN-SIP"): number[] {
  const ctype = (axis: number) => {
    const card = cards.find((c) => c.keyword === `CTYPE${axis}${k}`);
    return typeof card?.value === "string" ? card.value.trim().toUpperCase() : "";
  };
  const axes = new Set<number>();
  for (const c of cards) {
    const m = PV.exec(c.keyword);
    if (m && m[3] === k && Number(m[2]) >= 5 && ctype(Number(m[1])).endsWith(suffix)) axes.add(Number(m[1]));
  }
  // astropy asks for two axes of that projection, the celestial pair.
  const pair = cards.filter((c) => new RegExp(`^CTYPE\\d+${k}$`).test(c.keyword) && typeof c.value === "string" && c.value.trim().toUpperCase().endsWith(suffix));
  return pair.length === 2 && axes.size > 0 ? [...axes] : [];
}

/** The cards to give wcslib for the description with this key (" " or "A".."Z"), and what changed. */
export function fixScamp(cards: readonly Card[], key = " "): ScampFix {
  const k = key.trim();
  const warnings: string[] = [];
  const pvOf = (c: Card) => {
    const m = PV.exec(c.keyword);
    return m !== null && m[3] === k;
  };
  if (scampAxes(cards, k, "-TAN").length > 0) {
    const distortion = cards.filter((c) => pvOf(c) && Number(PV.exec(c.keyword)![2]) >= 5).map((c) => c.keyword);
    const sip = cards.filter((c) => SIP.test(c.keyword));
    warnings.push(
      `${distortion.join(", ")} on -TAN axes: SCAMP's distortion, read as TPV${sip.length ? `; the SIP cards (${sip.map((c) => c.keyword).join(", ")}) are ignored` : ""}`,
    );
    return {
      warnings,
      cards: cards
        .filter((c) => !SIP.test(c.keyword))
        .map((c) => {
          if (!new RegExp(`^CTYPE\\d+${k}$`).test(c.keyword) || typeof c.value !== "string" || !c.value.trim().toUpperCase().endsWith("-TAN")) return c;
          return { keyword: c.keyword, value: c.value.trim().toUpperCase().replace(/-TAN$/, "-TPV"), comment: c.comment, image: "" };
        }),
    };
  }
  if (scampAxes(cards, k, "-TAN-SIP").length > 0 && cards.some((c) => c.keyword === "A_ORDER")) {
    const dropped = cards.filter(pvOf).map((c) => c.keyword);
    warnings.push(`${dropped.join(", ")} ignored: SCAMP's distortion parameters, redundant with the SIP ones that CTYPE names`);
    return { warnings, cards: cards.filter((c) => !pvOf(c)) };
  }
  return { warnings, cards: [...cards] };
}
