/**
 * Clump outlines for a map: the pixel edges between a clump's footprint and the rest, as one plotly
 * line trace (segments separated by nulls). A cube's clumps are outlined by their footprint on the sky
 * (their projection along the third axis), so overlapping clumps keep their own outlines.
 */
export function outlineTrace(mask: Int32Array, shape: number[], factor: number): Record<string, unknown> {
  const [nx, ny] = shape;
  const planes = shape.length > 2 ? shape[2] : 1;
  // Footprint of each label: the set of sky pixels it covers in any plane.
  const footprints = new Map<number, Set<number>>();
  for (let z = 0; z < planes; z++) {
    for (let p = 0; p < nx * ny; p++) {
      const k = mask[z * nx * ny + p];
      if (k <= 0) continue;
      let set = footprints.get(k);
      if (!set) {
        set = new Set();
        footprints.set(k, set);
      }
      set.add(p);
    }
  }
  const x: Array<number | null> = [],
    y: Array<number | null> = [];
  // Map pixels are binned `factor` to one: plotly's coordinates are the binned map's.
  const at = (v: number) => (v + 0.5) / factor - 0.5;
  const segment = (x0: number, y0: number, x1: number, y1: number) => x.push(at(x0), at(x1), null) && y.push(at(y0), at(y1), null);
  for (const set of footprints.values()) {
    for (const p of set) {
      const px = p % nx,
        py = Math.floor(p / nx);
      if (px === 0 || !set.has(p - 1)) segment(px - 0.5, py - 0.5, px - 0.5, py + 0.5);
      if (px === nx - 1 || !set.has(p + 1)) segment(px + 0.5, py - 0.5, px + 0.5, py + 0.5);
      if (py === 0 || !set.has(p - nx)) segment(px - 0.5, py - 0.5, px + 0.5, py - 0.5);
      if (py === ny - 1 || !set.has(p + nx)) segment(px - 0.5, py + 0.5, px + 0.5, py + 0.5);
    }
  }
  return { type: "scatter", mode: "lines", x, y, line: { color: "white", width: 1 }, hoverinfo: "skip", name: `${footprints.size} clumps`, showlegend: false };
}
