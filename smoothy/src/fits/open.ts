/**
 * `open(path)`: reads every header of a FITS file and nothing of its data, so opening a 1 GB cube
 * costs a few blocks of I/O. Damaged files get a FitsError naming the HDU, the byte offset and the cause.
 */
import { CARD_LENGTH } from "../header/card.js";
import { FitsError } from "./errors.js";
import { dataSize, HDU, matchHeader } from "./hdu.js";
import { HDUList } from "./hdulist.js";
import { Header } from "../header/header.js";
import { openSource, type ByteSource } from "./source.js";

export const BLOCK = 2880;
const CARDS_PER_BLOCK = BLOCK / CARD_LENGTH;

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** Reads the card images of the header starting at `offset`, up to (not including) END. */
async function readHeaderImages(source: ByteSource, offset: number, index: number): Promise<{ images: string[]; end: number }> {
  const images: string[] = [];
  for (let block = offset; ; block += BLOCK) {
    if (block + BLOCK > source.size) {
      throw new FitsError(
        images.length ? "ETRUNCATED" : "ENOEND",
        source.path,
        index,
        block,
        `the file ends (at byte ${source.size}) inside the header that starts at byte ${offset}: no END card`,
      );
    }
    const bytes = await source.read(block, BLOCK);
    for (let c = 0; c < CARDS_PER_BLOCK; c++) {
      const image = bytes.toString("latin1", c * CARD_LENGTH, (c + 1) * CARD_LENGTH);
      // What follows END in its block is padding (astropy accepts NULs there too): not checked.
      if (/^END {5}/.test(image) || image === "END".padEnd(CARD_LENGTH)) return { images, end: block + BLOCK };
      for (let i = c * CARD_LENGTH; i < (c + 1) * CARD_LENGTH; i++) {
        const b = bytes[i];
        if (b < 0x20 || b > 0x7e) {
          throw new FitsError("EBADHEADER", source.path, index, block + i, `byte 0x${b.toString(16).padStart(2, "0")} in a header (headers are ASCII text); no END card before it`);
        }
      }
      images.push(image);
    }
  }
}

export async function open(path: string): Promise<HDUList> {
  let source: ByteSource;
  try {
    source = await openSource(path);
  } catch (e) {
    throw new FitsError("ENOTFITS", path, undefined, undefined, (e as Error).message);
  }
  try {
    const hdus: HDU[] = [];
    const warnings: string[] = [];
    let offset = 0;
    while (offset < source.size) {
      const index = hdus.length;
      const first = (await source.read(offset, Math.min(10, source.size - offset))).toString("latin1");
      if (index === 0 && first !== "SIMPLE  = ") {
        throw new FitsError("ENOTFITS", path, 0, 0, "no SIMPLE card at the start: this is not a FITS file");
      }
      if (index > 0 && first !== "XTENSION= ") {
        // Astropy ignores what follows the last HDU (zero padding, stray bytes) with a warning.
        warnings.push(`${path}: ${source.size - offset} bytes after the last HDU (at byte ${offset}) ignored`);
        break;
      }
      const { images, end } = await readHeaderImages(source, offset, index);
      const parsed = Header.fromImages(images);
      const header = parsed.header;
      const kind = matchHeader(header, index);
      if (!kind) throw new FitsError("EBADHEADER", path, index, offset, `unknown XTENSION ${JSON.stringify(header.get("XTENSION"))}`);
      let size: number;
      try {
        size = dataSize(header);
      } catch (e) {
        throw new FitsError("EBADHEADER", path, index, offset, (e as Error).message);
      }
      if (end + size > source.size) {
        throw new FitsError(
          "ETRUNCATED",
          path,
          index,
          end,
          `the data unit needs ${size} bytes but the file ends ${source.size - end} bytes after its start: the file is truncated`,
        );
      }
      warnings.push(...parsed.warnings.map((w) => `${path}: HDU ${index}: ${w}`));
      hdus.push(
        new HDU(kind, index, header, offset, end, size, parsed.warnings, {
          path,
          read: (o, n) => source.read(o, n),
          readInto: (t, a, o, n) => source.readInto(t, a, o, n),
          fd: source.fd,
        }),
      );
      offset = end + padded(size);
    }
    return new HDUList(path, hdus, source, warnings);
  } catch (e) {
    await source.close();
    throw e;
  }
}
