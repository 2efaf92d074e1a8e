/** A float32 FITS cube of zeros written sparse (a header and a hole): gigabytes that cost no disk, for reads long enough to interrupt. */
import { truncateSync, writeFileSync } from "node:fs";

export function writeSparseCube(file: string, [nx, ny, nz]: [number, number, number]): void {
  const cards = [
    "SIMPLE  =                    T",
    "BITPIX  =                  -32",
    "NAXIS   =                    3",
    `NAXIS1  = ${String(nx).padStart(20)}`,
    `NAXIS2  = ${String(ny).padStart(20)}`,
    `NAXIS3  = ${String(nz).padStart(20)}`,
    "END",
  ];
  writeFileSync(
    file,
    cards
      .map((c) => c.padEnd(80))
      .join("")
      .padEnd(2880),
  );
  truncateSync(file, 2880 + 4 * nx * ny * nz);
}
