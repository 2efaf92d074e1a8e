/**
 * Display stretches (linear, sqrt, log, asinh, as ds9 and astropy.visualization define them) done in
 * the colour scale rather than in the data: plotly still shows true values on hover and on the colour
 * bar, and the colour at data fraction t is the scale's colour at stretch(t).
 */
export type Stretch = "linear" | "sqrt" | "log" | "asinh";
export type Colorscale = string | Array<[number, string]>;

const STRETCH: Record<Stretch, (t: number) => number> = {
  linear: (t) => t,
  sqrt: Math.sqrt,
  log: (t) => Math.log10(1000 * t + 1) / Math.log10(1001), // ds9's log with exponent 1000
  asinh: (t) => Math.asinh(10 * t) / Math.asinh(10), // astropy's AsinhStretch(a = 0.1)
};

/** plotly's own definitions of the scales astronomers use most. */
const SCALES: Record<string, Array<[number, string]>> = {
  Viridis: [
    [0, "#440154"],
    [0.0627, "#48186a"],
    [0.1255, "#472d7b"],
    [0.1882, "#424086"],
    [0.251, "#3b528b"],
    [0.3137, "#33638d"],
    [0.3765, "#2c728e"],
    [0.4392, "#26828e"],
    [0.502, "#21918c"],
    [0.5647, "#1fa088"],
    [0.6275, "#28ae80"],
    [0.6902, "#3fbc73"],
    [0.7529, "#5ec962"],
    [0.8157, "#84d44b"],
    [0.8784, "#addc30"],
    [0.9412, "#d8e219"],
    [1, "#fde725"],
  ],
  Greys: [
    [0, "#000000"],
    [1, "#ffffff"],
  ],
  Hot: [
    [0, "#000000"],
    [0.3, "#e60000"],
    [0.6, "#ffd200"],
    [1, "#ffffff"],
  ],
  RdBu: [
    [0, "#050aac"],
    [0.35, "#6a89f7"],
    [0.5, "#bebebe"],
    [0.6, "#dcaa84"],
    [0.7, "#e6915a"],
    [1, "#b20a1c"],
  ],
};

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function colourAt(scale: Array<[number, string]>, t: number): string {
  let k = 1;
  while (k < scale.length - 1 && scale[k][0] < t) k++;
  const [t0, c0] = scale[k - 1],
    [t1, c1] = scale[k];
  const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
  const [a, b] = [rgb(c0), rgb(c1)];
  return `rgb(${a.map((v, i) => Math.round(v + f * (b[i] - v))).join(",")})`;
}

/** The colour scale that shows `scale` under `stretch`: itself when linear, else resampled. */
export function stretchedColorscale(scale: Colorscale, stretch: Stretch): Colorscale {
  const f = STRETCH[stretch];
  if (!f) throw new RangeError(`stretch ${JSON.stringify(stretch)}: use one of ${Object.keys(STRETCH).join(", ")}`);
  if (stretch === "linear") return scale;
  const stops = typeof scale === "string" ? SCALES[scale] : scale;
  if (!stops)
    throw new RangeError(`a ${stretch} stretch needs the colour scale's stops: use one of ${Object.keys(SCALES).join(", ")} or pass [[0, "#rrggbb"], ..., [1, "#rrggbb"]]`);
  return Array.from({ length: 65 }, (_, i) => [i / 64, colourAt(stops, f(i / 64))] as [number, string]);
}
