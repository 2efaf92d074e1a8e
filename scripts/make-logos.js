#!/usr/bin/env node
// Draws the kernel's logos (a banded Jovian disk with its red spot) as PNGs for the kernelspec.
// Run once after changing the drawing; the PNGs are committed in kernel/kernelspec/.
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
const BANDS = [
  [236, 214, 178],
  [196, 140, 92],
  [240, 222, 190],
  [176, 110, 70],
  [232, 204, 160],
  [200, 150, 105],
  [238, 218, 184],
];
function jupiter(size) {
  const r = size / 2 - 0.5;
  return (x, y) => {
    // 4x4 supersampling for smooth edges.
    let acc = [0, 0, 0, 0];
    for (let sy = 0; sy < 4; sy++)
      for (let sx = 0; sx < 4; sx++) {
        const dx = (x + (sx + 0.5) / 4 - size / 2) / r;
        const dy = (y + (sy + 0.5) / 4 - size / 2) / r;
        if (dx * dx + dy * dy > 1) continue;
        const band = BANDS[Math.min(BANDS.length - 1, Math.floor(((dy + 1) / 2) * BANDS.length))];
        const spot = ((dx - 0.3) / 0.22) ** 2 + ((dy - 0.28) / 0.13) ** 2 < 1;
        const shade = 0.75 + 0.25 * Math.sqrt(Math.max(0, 1 - dx * dx - dy * dy));
        const color = spot ? [190, 70, 50] : band;
        acc = [acc[0] + color[0] * shade, acc[1] + color[1] * shade, acc[2] + color[2] * shade, acc[3] + 255];
      }
    const alpha = acc[3] / 16;
    return alpha === 0 ? [0, 0, 0, 0] : [acc[0] / (acc[3] / 255), acc[1] / (acc[3] / 255), acc[2] / (acc[3] / 255), alpha].map(Math.round);
  };
}
const dir = new URL("../kernel/kernelspec/", import.meta.url);
for (const size of [32, 64]) writeFileSync(new URL(`logo-${size}x${size}.png`, dir), png(size, jupiter(size)));
