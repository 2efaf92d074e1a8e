// The float32 cubes bench/smoothy.js reads: the header written by hand, the data in 16 MiB chunks of
// big-endian floats (real bytes on disk, not a sparse hole), each value a hash of its index, so that any
// reader's values can be checked against `valueAt` without keeping the cube in memory.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

const BLOCK = 2880;
const CHUNK_VALUES = 4 * 1024 * 1024; // 16 MiB of float32

/** A pseudo-random value in about [-3, 3] for the flat index i (a 32-bit integer hash, Murmur3's finaliser). */
export function valueAt(i) {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const u = (h >>> 0) / 4294967296; // [0, 1)
  const w = (Math.imul(h, 0x27d4eb2f) >>> 0) / 4294967296; // a second uniform from the same hash
  return Math.fround((u + w - 1) * 3); // a triangular "noise" distribution
}

/** 80-character cards, END, padded to whole 2880-byte blocks. */
export function headerBytes(cards) {
  const text = [...cards, "END"].map((c) => c.padEnd(80)).join("");
  return Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK) * BLOCK), "latin1");
}

const fixed = (keyword, value) => `${keyword.padEnd(8)}= ${String(value).padStart(20)}`;
const string = (keyword, value) => `${keyword.padEnd(8)}= '${value.padEnd(8)}'`;

/** The structural cards of a float32 image of `shape` (FITS order), plus `extra` cards. */
export function cubeCards(shape, extra = []) {
  return [fixed("SIMPLE", "T"), fixed("BITPIX", -32), fixed("NAXIS", shape.length), ...shape.map((n, i) => fixed(`NAXIS${i + 1}`, n)), ...extra];
}

/** A spectral cube's WCS (RA/Dec/frequency), beam and unit, so `load` makes a Cube with a spectral axis. */
export function spectralCubeCards([nx, ny, nz]) {
  return [
    string("BUNIT", "Jy/beam"),
    fixed("BMAJ", 2.8e-4),
    fixed("BMIN", 2.2e-4),
    fixed("BPA", 30.0),
    string("CTYPE1", "RA---SIN"),
    fixed("CRVAL1", 83.82),
    fixed("CDELT1", -5.0e-5),
    fixed("CRPIX1", nx / 2 + 1),
    string("CUNIT1", "deg"),
    string("CTYPE2", "DEC--SIN"),
    fixed("CRVAL2", -5.39),
    fixed("CDELT2", 5.0e-5),
    fixed("CRPIX2", ny / 2 + 1),
    string("CUNIT2", "deg"),
    string("CTYPE3", "FREQ"),
    fixed("CRVAL3", 230.538e9),
    fixed("CDELT3", -0.5e6),
    fixed("CRPIX3", nz / 2 + 1),
    string("CUNIT3", "Hz"),
    fixed("RESTFRQ", 230.538e9),
    string("SPECSYS", "LSRK"),
    fixed("EQUINOX", 2000.0),
    string("RADESYS", "ICRS"),
  ];
}

/**
 * Writes a float32 cube of `shape` to `file` and syncs it to disk (so no writeback runs during the
 * timings). `source(x, y, z)` (optional) is added to the noise, for a cube with something to show.
 */
export function writeCube(file, shape, { cards = cubeCards(shape), source } = {}) {
  const [nx, ny] = shape;
  const total = shape.reduce((a, b) => a * b, 1);
  const fd = openSync(file, "w");
  try {
    writeSync(fd, headerBytes(cards));
    const chunk = new Float32Array(CHUNK_VALUES);
    const bytes = Buffer.from(chunk.buffer);
    for (let start = 0; start < total; start += CHUNK_VALUES) {
      const n = Math.min(CHUNK_VALUES, total - start);
      for (let k = 0; k < n; k++) chunk[k] = valueAt(start + k);
      if (source) {
        for (let k = 0; k < n; k++) {
          const i = start + k;
          const x = i % nx,
            y = Math.floor(i / nx) % ny,
            z = Math.floor(i / (nx * ny));
          const s = source(x, y, z);
          if (s) chunk[k] += s;
        }
      }
      const out = bytes.subarray(0, n * 4);
      out.swap32(); // to big-endian
      writeSync(fd, out);
    }
    const tail = (total * 4) % BLOCK;
    if (tail) writeSync(fd, Buffer.alloc(BLOCK - tail));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
