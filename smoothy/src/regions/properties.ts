/**
 * Region properties as skimage's `regionprops` computes them, on a labelled 2-D image (x fastest,
 * 0-based pixel centres):
 * - centroid: the mean pixel position;
 * - the ellipse with the same second central moments (population covariance of the pixel
 *   positions): semi-axes 2√λ (skimage's axis lengths 4√λ halved), eccentricity √(1 − λ₂/λ₁);
 * - orientation of its major axis in degrees, counter-clockwise from +x towards +y (y up, as an
 *   image is shown with its origin at the lower left), in (−90, 90]; skimage's `orientation` is
 *   measured from the row axis instead: ours = 90° − skimage's, in degrees, wrapped into (−90, 90];
 * - solidity = area / convex area, the convex area counted as skimage's `convex_hull_image` does:
 *   the pixel centres inside (or on) the convex hull of the midpoints of the region's pixel edges;
 * - filled fraction = area / (area with holes filled), holes being the background of the region's
 *   bounding box not 4-connected to the box's border (`binary_fill_holes`);
 * - minimum, maximum and mean of the intensity image over the region's finite pixels.
 */

export interface RegionProperties {
  label: number;
  x: number;
  y: number;
  area: number;
  semiMajor: number;
  semiMinor: number;
  orientation: number;
  eccentricity: number;
  solidity: number;
  filledFraction: number;
  minIntensity: number;
  maxIntensity: number;
  meanIntensity: number;
  /** Radius of the disk of the same area (skimage's `equivalent_diameter` / 2). */
  equivalentRadius: number;
}

/** Scratch arrays for images of one size. */
export class PropertiesWorkspace {
  private readonly box: Uint8Array;
  private readonly queue: Int32Array;
  private readonly rowLo: Int32Array;
  private readonly rowHi: Int32Array;
  private readonly points: Float64Array;
  private readonly hull: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
  ) {
    this.box = new Uint8Array(nx * ny);
    this.queue = new Int32Array(nx * ny);
    this.rowLo = new Int32Array(ny);
    this.rowHi = new Int32Array(ny);
    this.points = new Float64Array(12 * ny);
    this.hull = new Float64Array(24 * ny + 4);
  }

  /** The properties of labels 1 … count of `labels`, intensities from `intensity`. */
  measure(labels: Int32Array, count: number, intensity: ArrayLike<number>): RegionProperties[] {
    const { nx, ny } = this;
    const n = new Float64Array(count + 1);
    const x0 = new Float64Array(count + 1),
      y0 = new Float64Array(count + 1);
    const sx = new Float64Array(count + 1),
      sy = new Float64Array(count + 1);
    const sxx = new Float64Array(count + 1),
      syy = new Float64Array(count + 1),
      sxy = new Float64Array(count + 1);
    const xmin = new Int32Array(count + 1).fill(nx),
      xmax = new Int32Array(count + 1).fill(-1);
    const ymin = new Int32Array(count + 1).fill(ny),
      ymax = new Int32Array(count + 1).fill(-1);
    const vmin = new Float64Array(count + 1).fill(Infinity),
      vmax = new Float64Array(count + 1).fill(-Infinity);
    const vsum = new Float64Array(count + 1),
      vcount = new Float64Array(count + 1);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const i = y * nx + x;
        const l = labels[i];
        if (l <= 0) continue;
        if (n[l] === 0) {
          // Moments about the first pixel keep the sums small.
          x0[l] = x;
          y0[l] = y;
        }
        const dx = x - x0[l],
          dy = y - y0[l];
        n[l]++;
        sx[l] += dx;
        sy[l] += dy;
        sxx[l] += dx * dx;
        syy[l] += dy * dy;
        sxy[l] += dx * dy;
        if (x < xmin[l]) xmin[l] = x;
        if (x > xmax[l]) xmax[l] = x;
        if (y < ymin[l]) ymin[l] = y;
        if (y > ymax[l]) ymax[l] = y;
        const v = intensity[i];
        if (Number.isFinite(v)) {
          if (v < vmin[l]) vmin[l] = v;
          if (v > vmax[l]) vmax[l] = v;
          vsum[l] += v;
          vcount[l]++;
        }
      }
    }
    const out: RegionProperties[] = [];
    for (let l = 1; l <= count; l++) {
      const area = n[l];
      if (area === 0) continue;
      const mx = sx[l] / area,
        my = sy[l] / area;
      const cxx = sxx[l] / area - mx * mx;
      const cyy = syy[l] / area - my * my;
      const cxy = sxy[l] / area - mx * my;
      const mean = (cxx + cyy) / 2;
      const spread = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
      const l1 = Math.max(0, mean + spread),
        l2 = Math.max(0, mean - spread);
      let orientation = cxx === cyy && cxy === 0 ? 0 : (0.5 * Math.atan2(2 * cxy, cxx - cyy) * 180) / Math.PI;
      if (orientation <= -90) orientation += 180;
      const convex = this.convexArea(labels, l, xmin[l], xmax[l], ymin[l], ymax[l]);
      const filled = this.filledArea(labels, l, xmin[l], xmax[l], ymin[l], ymax[l]);
      out.push({
        label: l,
        x: x0[l] + mx,
        y: y0[l] + my,
        area,
        semiMajor: 2 * Math.sqrt(l1),
        semiMinor: 2 * Math.sqrt(l2),
        orientation,
        eccentricity: l1 > 0 ? Math.sqrt(1 - l2 / l1) : 0,
        solidity: area / Math.max(area, convex),
        filledFraction: area / filled,
        minIntensity: vcount[l] ? vmin[l] : NaN,
        maxIntensity: vcount[l] ? vmax[l] : NaN,
        meanIntensity: vcount[l] ? vsum[l] / vcount[l] : NaN,
        equivalentRadius: Math.sqrt(area / Math.PI),
      });
    }
    return out;
  }

  /** Pixels of the region's bounding box whose centres lie in the hull of its pixels' edge midpoints. */
  private convexArea(labels: Int32Array, l: number, x0: number, x1: number, y0: number, y1: number): number {
    const { nx, rowLo, rowHi, points, hull } = this;
    // Only the leftmost and rightmost pixel of each row can contribute hull vertices.
    let m = 0;
    for (let y = y0; y <= y1; y++) {
      let lo = -1,
        hi = -1;
      for (let x = x0; x <= x1; x++) {
        if (labels[y * nx + x] !== l) continue;
        if (lo < 0) lo = x;
        hi = x;
      }
      rowLo[y - y0] = lo;
      rowHi[y - y0] = hi;
      if (lo < 0) continue;
      for (const [px, py] of [
        [lo - 0.5, y],
        [lo, y - 0.5],
        [lo, y + 0.5],
        [hi + 0.5, y],
        [hi, y - 0.5],
        [hi, y + 0.5],
      ]) {
        points[2 * m] = px;
        points[2 * m + 1] = py;
        m++;
      }
    }
    // Points arrive sorted by y, then unsorted in x: sort indices by (x, y) for the monotone chain.
    const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => points[2 * a] - points[2 * b] || points[2 * a + 1] - points[2 * b + 1]);
    const cross = (o: number, a: number, b: number) =>
      (hull[2 * a] - hull[2 * o]) * (points[2 * b + 1] - hull[2 * o + 1]) - (hull[2 * a + 1] - hull[2 * o + 1]) * (points[2 * b] - hull[2 * o]);
    let h = 0;
    const push = (i: number) => {
      hull[2 * h] = points[2 * i];
      hull[2 * h + 1] = points[2 * i + 1];
      h++;
    };
    for (const i of order) {
      while (h >= 2 && cross(h - 2, h - 1, i) <= 0) h--;
      push(i);
    }
    const lower = h + 1;
    for (let k = order.length - 2; k >= 0; k--) {
      const i = order[k];
      while (h >= lower && cross(h - 2, h - 1, i) <= 0) h--;
      push(i);
    }
    h--; // the last point repeats the first
    // Count pixel centres per row: the hull's section at height y is one interval.
    const eps = 1e-9;
    let count = 0;
    for (let y = y0; y <= y1; y++) {
      let lo = Infinity,
        hi = -Infinity;
      for (let e = 0; e < h; e++) {
        const ax = hull[2 * e],
          ay = hull[2 * e + 1];
        const f = (e + 1) % h;
        const bx = hull[2 * f],
          by = hull[2 * f + 1];
        if ((ay - y) * (by - y) > 0) continue;
        if (ay === by) {
          lo = Math.min(lo, ax, bx);
          hi = Math.max(hi, ax, bx);
        } else {
          const x = ax + ((y - ay) * (bx - ax)) / (by - ay);
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      }
      if (hi >= lo) count += Math.max(0, Math.floor(hi + eps) - Math.ceil(lo - eps) + 1);
    }
    return count;
  }

  /** The region's area with its holes filled. */
  private filledArea(labels: Int32Array, l: number, x0: number, x1: number, y0: number, y1: number): number {
    const { nx, box, queue } = this;
    const w = x1 - x0 + 1,
      hgt = y1 - y0 + 1;
    // box: 1 = region, 2 = background reached from the border, 0 = hole (so far).
    for (let y = 0; y < hgt; y++) for (let x = 0; x < w; x++) box[y * w + x] = labels[(y + y0) * nx + x + x0] === l ? 1 : 0;
    let tail = 0;
    const seed = (i: number) => {
      if (box[i] === 0) {
        box[i] = 2;
        queue[tail++] = i;
      }
    };
    for (let x = 0; x < w; x++) {
      seed(x);
      seed((hgt - 1) * w + x);
    }
    for (let y = 0; y < hgt; y++) {
      seed(y * w);
      seed(y * w + w - 1);
    }
    for (let head = 0; head < tail; head++) {
      const i = queue[head];
      const x = i % w,
        y = (i - x) / w;
      if (x > 0) seed(i - 1);
      if (x < w - 1) seed(i + 1);
      if (y > 0) seed(i - w);
      if (y < hgt - 1) seed(i + w);
    }
    let filled = 0;
    for (let i = 0; i < w * hgt; i++) if (box[i] !== 2) filled++;
    return filled;
  }
}
