/**
 * A product in a few lines, as a notebook shows a cell that ends in one and as `console.log` prints
 * it: kind, shape and unit, beam, the world extent of its celestial axes and its spectral range.
 */
import { escapeHtml } from "../common/html.js";
import { formatDec, formatRa } from "../wcs/sexagesimal.js";
import type { Product } from "./products.js";
import { DISPLAY_UNIT, spectralScale } from "./spectral.js";

function perChannel(p: Product): string {
  const beams = (p as { beams?: unknown[] }).beams;
  return beams && beams.length > 1 ? ` (${beams.length} per channel)` : "";
}

function rows(p: Product): Array<[string, string]> {
  const out: Array<[string, string]> = [["shape", `${p.shape.join(" × ")}${p.unit ? ` (${p.unit})` : ""}`]];
  if (p.beam) out.push(["beam", `${(p.beam.bmaj * 3600).toPrecision(3)}″ × ${(p.beam.bmin * 3600).toPrecision(3)}″, PA ${p.beam.bpa.toFixed(1)}°${perChannel(p)}`]);
  const wcs = p.wcs;
  if (wcs?.hasCelestial) {
    const lng = wcs.pixelAxisOf(wcs.axes.lng),
      lat = wcs.pixelAxisOf(wcs.axes.lat);
    if (lng >= 0 && lat >= 0) {
      // The four corners of the celestial plane, at the first pixel of any other axis.
      const corners = [
        [0, 0],
        [p.shape[lng] - 1, 0],
        [0, p.shape[lat] - 1],
        [p.shape[lng] - 1, p.shape[lat] - 1],
      ];
      const pixel = p.shape.map((_, a) => corners.map((c) => (a === lng ? c[0] : a === lat ? c[1] : 0)));
      const world = p.pixelToWorldValues(...pixel);
      const range = (values: Float64Array, format: (v: number) => string) => {
        const finite = [...values].filter(Number.isFinite);
        return finite.length ? `${format(Math.min(...finite))} to ${format(Math.max(...finite))}` : "no world position";
      };
      const ctype = wcs.ctype[wcs.axes.lng].toUpperCase();
      const ra = ctype.startsWith("RA");
      out.push([
        ra ? "RA, Dec" : `${wcs.ctype[wcs.axes.lng].split("-")[0]}, ${wcs.ctype[wcs.axes.lat].split("-")[0]}`,
        `${range(world[wcs.axes.lng], ra ? formatRa : (v) => `${v.toFixed(4)}°`)}; ${range(world[wcs.axes.lat], ra ? formatDec : (v) => `${v.toFixed(4)}°`)}`,
      ]);
    }
  }
  const kind = p.lineKind;
  if (kind) {
    const unit = DISPLAY_UNIT[kind];
    const values = p.spectralValues(kind).map((v) => v * spectralScale(kind, unit));
    const name = kind === "FREQ" ? "frequency" : kind === "WAVE" ? "wavelength" : "velocity";
    out.push([name, `${Math.min(...values).toPrecision(6)} to ${Math.max(...values).toPrecision(6)} ${unit} (${values.length} channels)`]);
  }
  out.push(["source", p.source]);
  return out;
}

export function describeText(p: Product): string {
  const lines = rows(p);
  return [`${p.kind} ${lines[0][1]}`, ...lines.slice(1).map(([k, v]) => `  ${k}: ${v}`)].join("\n");
}

export function describeHtml(p: Product): string {
  const body = rows(p)
    .map(([k, v]) => `<tr><th style="text-align:left;padding-right:1em">${escapeHtml(k)}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`)
    .join("");
  return `<table><caption style="text-align:left"><b>${p.kind}</b></caption>${body}</table>`;
}
