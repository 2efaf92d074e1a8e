/**
 * A CASA coordinate system as FITS WCS cards, so a CASA image becomes a smoothy product with wcslib's
 * world coordinates: direction (RA/Dec or Galactic with its projection and frame), spectral (FREQ with
 * SPECSYS and RESTFRQ), Stokes and linear axes; the unit and the beam too.
 */
import { Header, formatCard, type CardValue } from "smoothy";
import type { Beam } from "smoothy";
import type { CoordinateSystemJson } from "./native.js";

const DEG = 180 / Math.PI;

/** casacore's frequency frames by FITS's SPECSYS names. */
const SPECSYS: Record<string, string> = {
  LSRK: "LSRK",
  LSRD: "LSRD",
  BARY: "BARYCENT",
  TOPO: "TOPOCENT",
  GEO: "GEOCENTR",
  GALACTO: "GALACTOC",
  LGROUP: "LOCALGRP",
  CMB: "CMBDIPOL",
  REST: "SOURCE",
};
/** Stokes parameters by FITS's codes. */
const STOKES: Record<string, number> = { I: 1, Q: 2, U: 3, V: 4, RR: -1, LL: -2, RL: -3, LR: -4, XX: -5, YY: -6, XY: -7, YX: -8 };

export function fitsCards(cs: CoordinateSystemJson, naxis: number, unit: string, beam: Beam | null): Array<{ keyword: string; value: CardValue; comment: string }> {
  const cards: Array<{ keyword: string; value: CardValue; comment: string }> = [];
  const card = (keyword: string, value: CardValue, comment = "") => cards.push({ keyword, value, comment });
  for (const c of cs.coordinates) {
    c.pixelAxes.forEach((pixelAxis, j) => {
      if (pixelAxis < 0 || pixelAxis >= naxis) return;
      const n = pixelAxis + 1;
      const toDeg = (v: number) => (c.units[j] === "rad" ? v * DEG : c.units[j] === "arcsec" ? v / 3600 : v);
      switch (c.type) {
        case "direction": {
          const galactic = /GALACTIC/i.test(c.frame ?? "");
          const ecliptic = /ECLIPTIC/i.test(c.frame ?? "");
          const prefix = galactic ? ["GLON", "GLAT"][j] : ecliptic ? ["ELON", "ELAT"][j] : ["RA", "DEC"][j];
          card(`CTYPE${n}`, `${prefix.padEnd(4, "-")}-${c.projection ?? "SIN"}`);
          card(`CRVAL${n}`, toDeg(c.referenceValue[j]));
          card(`CDELT${n}`, toDeg(c.increment[j]));
          card(`CRPIX${n}`, c.referencePixel[j] + 1);
          card(`CUNIT${n}`, "deg");
          break;
        }
        case "spectral":
          card(`CTYPE${n}`, "FREQ");
          card(`CRVAL${n}`, c.referenceValue[j]);
          card(`CDELT${n}`, c.increment[j]);
          card(`CRPIX${n}`, c.referencePixel[j] + 1);
          card(`CUNIT${n}`, c.units[j] || "Hz");
          break;
        case "stokes":
          card(`CTYPE${n}`, "STOKES");
          card(`CRVAL${n}`, STOKES[c.stokes?.[0] ?? "I"] ?? 1);
          card(`CDELT${n}`, (c.stokes?.length ?? 1) > 1 ? (STOKES[c.stokes![1]] ?? 2) - (STOKES[c.stokes![0]] ?? 1) : 1);
          card(`CRPIX${n}`, 1);
          break;
        default:
          card(`CTYPE${n}`, (c.names[j] || `LINEAR${n}`).toUpperCase().replace(/\s+/g, "-").slice(0, 8));
          card(`CRVAL${n}`, c.referenceValue[j]);
          card(`CDELT${n}`, c.increment[j]);
          card(`CRPIX${n}`, c.referencePixel[j] + 1);
          if (c.units[j]) card(`CUNIT${n}`, c.units[j]);
      }
    });
    if (c.type === "direction") {
      // PV2_m on the latitude axis, and PC between the two celestial axes, as wcslib reads them.
      const latitude = c.pixelAxes[1] + 1,
        longitude = c.pixelAxes[0] + 1;
      // casacore lists them from PV2_1 (PV2_0 for ZPN, the one projection that has it).
      const first = c.projection === "ZPN" ? 0 : 1;
      (c.projectionParameters ?? []).forEach((v, m) => {
        if (v !== 0) card(`PV${latitude}_${m + first}`, v);
      });
      const pc = c.linearTransform;
      if (pc && (pc[0][1] !== 0 || pc[1][0] !== 0 || pc[0][0] !== 1 || pc[1][1] !== 1)) {
        const axes = [longitude, latitude];
        // casacore's linear transform is FITS's PC transposed (checked against casacore's toWorld).
        axes.forEach((world, i) => axes.forEach((pixel, j) => card(`PC${world}_${pixel}`, pc[j][i])));
      }
      const frame = (c.frame ?? "J2000").toUpperCase();
      if (frame === "J2000") card("RADESYS", "FK5"), card("EQUINOX", 2000);
      else if (frame === "B1950") card("RADESYS", "FK4"), card("EQUINOX", 1950);
      else if (frame === "ICRS") card("RADESYS", "ICRS");
    }
    if (c.type === "spectral") {
      if (c.frame && SPECSYS[c.frame.toUpperCase()]) card("SPECSYS", SPECSYS[c.frame.toUpperCase()]);
      if (c.restFrequency && c.restFrequency > 0) card("RESTFRQ", c.restFrequency);
    }
  }
  if (unit) card("BUNIT", unit);
  if (beam) {
    card("BMAJ", beam.bmaj, "deg");
    card("BMIN", beam.bmin, "deg");
    card("BPA", beam.bpa, "deg");
  }
  // casacore says UNKNOWN where FITS says nothing.
  if (cs.telescope && cs.telescope !== "UNKNOWN") card("TELESCOP", cs.telescope);
  if (cs.observer && cs.observer !== "UNKNOWN") card("OBSERVER", cs.observer);
  if (cs.epoch) card("MJD-OBS", cs.epoch);
  return cards;
}

/** The same cards as a smoothy Header (with NAXISn, as a FITS file would have them). */
export function fitsHeader(cs: CoordinateSystemJson, shape: number[], unit: string, beam: Beam | null): Header {
  const structural = [{ keyword: "NAXIS", value: shape.length, comment: "" }, ...shape.map((n, i) => ({ keyword: `NAXIS${i + 1}`, value: n, comment: "" }))];
  // formatCard gives one or more 80-character images (CONTINUE for long strings).
  const text = [...structural, ...fitsCards(cs, shape.length, unit, beam)].map((c) => formatCard(c)).join("");
  return Header.fromImages(text.match(/.{80}/gs) ?? []).header;
}
