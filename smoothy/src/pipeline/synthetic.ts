/**
 * A generated archive of ALMA-like cubes for demonstrations, tests and benchmarks: each cube has
 * known sources (Gaussian in position and frequency), its own noise level, size and number of
 * channels, and a real header (RA/Dec SIN, FREQ with a rest frequency, a beam, Jy/beam), written as
 * FITS. The truth of every cube comes back with its path.
 */
import path from "node:path";
import { mulberry32 } from "../common/random.js";
import { writeImage } from "../fits/write.js";

export interface SyntheticSource {
  x: number;
  y: number;
  /** Centre channel and widths (sigma) in pixels and channels. */
  channel: number;
  sigma: number;
  sigmaChannels: number;
  peak: number;
}

export interface SyntheticCube {
  file: string;
  shape: [number, number, number];
  noise: number;
  sources: SyntheticSource[];
}

export async function writeSyntheticArchive(dir: string, count: number, options: { seed?: number; sizes?: number[]; channels?: number[] } = {}): Promise<SyntheticCube[]> {
  const { next: random, normal: gauss } = mulberry32(options.seed ?? 1);
  const sizes = options.sizes ?? [48, 64, 80];
  const channels = options.channels ?? [32, 48, 64];
  const cubes: SyntheticCube[] = [];
  for (let c = 0; c < count; c++) {
    const n = sizes[Math.floor(random() * sizes.length)];
    const nz = channels[Math.floor(random() * channels.length)];
    const noise = 0.005 + random() * 0.02;
    const sources = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      x: 8 + random() * (n - 16),
      y: 8 + random() * (n - 16),
      channel: 6 + random() * (nz - 12),
      sigma: 1.5 + random() * 2.5,
      sigmaChannels: 1.5 + random() * 2,
      peak: 0.2 + random(),
    }));
    const data = new Float32Array(n * n * nz);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          let v = noise * gauss();
          for (const s of sources) {
            const d = ((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * s.sigma ** 2) + (z - s.channel) ** 2 / (2 * s.sigmaChannels ** 2);
            if (d < 20) v += s.peak * Math.exp(-d);
          }
          data[(z * n + y) * n + x] = v;
        }
    const file = path.join(dir, `cube-${String(c).padStart(4, "0")}.fits`);
    await writeImage(
      file,
      { shape: [n, n, nz], data },
      {
        overwrite: true,
        header: {
          OBJECT: `synthetic ${c}`,
          TELESCOP: "ALMA",
          BUNIT: "Jy/beam",
          BMAJ: 0.5 / 3600,
          BMIN: 0.4 / 3600,
          BPA: 20,
          CTYPE1: "RA---SIN",
          CRVAL1: 83.8 + c * 0.01,
          CDELT1: -0.1 / 3600,
          CRPIX1: n / 2,
          CUNIT1: "deg",
          CTYPE2: "DEC--SIN",
          CRVAL2: -5.4 + c * 0.005,
          CDELT2: 0.1 / 3600,
          CRPIX2: n / 2,
          CUNIT2: "deg",
          CTYPE3: "FREQ",
          CRVAL3: 230.538e9,
          CDELT3: 488281.25,
          CRPIX3: nz / 2,
          CUNIT3: "Hz",
          RESTFRQ: 230.538e9,
          SPECSYS: "LSRK",
        },
      },
    );
    cubes.push({ file, shape: [n, n, nz], noise, sources });
  }
  return cubes;
}
