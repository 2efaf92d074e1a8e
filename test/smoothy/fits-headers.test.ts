// smoothy's FITS headers against astropy's reading of the same real files (../shared/data/fits/reference).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FitsError, formatCard, Header, open, parseCard } from "smoothy";
import { FITS_DIR, sharedAvailable, sharedTest } from "../helpers/shared.ts";

const test = suite("fits headers");

interface Reference {
  file: string;
  error?: string;
  hdus?: Array<{ kind: string; name: string; cards: Array<[string, unknown, string?]>; shape?: number[] }>;
}

const references: Reference[] = sharedAvailable("FITS header references")
  ? readdirSync(path.join(FITS_DIR, "reference")).map((f) => JSON.parse(readFileSync(path.join(FITS_DIR, "reference", f), "utf8")))
  : [];

for (const ref of references) {
  test(`${ref.file}: ${ref.error ? "refused as astropy refuses it" : "every HDU, kind, name, shape and card as astropy reads them"}`, async () => {
    const file = path.join(FITS_DIR, ref.file);
    if (ref.error) {
      const error = await open(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.instance(error, FitsError);
      assert.match((error as FitsError).message, ref.file);
      return;
    }
    const list = await open(file);
    try {
      assert.is(list.length, ref.hdus!.length);
      ref.hdus!.forEach((expected, i) => {
        const hdu = list.get(i);
        assert.is(hdu.kind, expected.kind, `HDU ${i} kind`);
        assert.is(hdu.name, expected.name, `HDU ${i} name`);
        if (expected.shape) assert.equal(hdu.shape, expected.shape, `HDU ${i} shape`);
        const ours = hdu.header.cards.filter((c) => !["COMMENT", "HISTORY", ""].includes(c.keyword));
        assert.equal(
          ours.map((c) => c.keyword),
          expected.cards.map((c) => c[0]),
          `HDU ${i} keywords in order`,
        );
        expected.cards.forEach(([keyword, value, raw], k) => {
          const card = ours[k];
          if (raw !== undefined) {
            assert.ok(card.unparsable, `HDU ${i} ${keyword}: astropy could not parse it either`);
            // astropy shows the card re-formatted, so compare what it holds, not its spacing.
            const words = (t: string) =>
              t
                .replace(/^unparsable: /, "")
                .replace(/['/]/g, " ")
                .split(/\s+/)
                .filter(Boolean);
            assert.equal(words(card.image.slice(0, 80)), words(String(raw)));
          } else if (typeof value === "number") {
            assert.ok(Math.abs(Number(card.value) - value) <= Math.abs(value) * 1e-15, `HDU ${i} ${keyword}: ${card.value} vs ${value}`);
          } else {
            assert.equal(card.value, value, `HDU ${i} ${keyword}`);
          }
        });
      });
    } finally {
      await list.close();
    }
  });
}

sharedTest(test, "lookup by EXTNAME and [EXTNAME, EXTVER]; a missing HDU names what the file has", async () => {
  const list = await open(path.join(FITS_DIR, "small_perplanebeam.fits"));
  assert.is(list.get("BEAMS").kind, "BinTableHDU");
  assert.is(list.get(["beams", 1]).index, 1);
  assert.is(list.get(-1).name, "BEAMS");
  assert.throws(() => list.get("NOPE"), /no HDU "NOPE" \(the file has 2: PRIMARY, BEAMS\)/);
  assert.match(list.info(), /BEAMS/);
  await list.close();
});

sharedTest(test, "damaged files: truncation and garbage are errors naming the file, the HDU and the byte", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-"));
  try {
    const cut = path.join(dir, "cut.fits");
    copyFileSync(path.join(FITS_DIR, "m13.fits"), cut);
    truncateSync(cut, 100000);
    const e1 = (await open(cut).catch((e) => e)) as FitsError;
    assert.is(e1.code, "ETRUNCATED");
    assert.match(e1.message, /cut\.fits: HDU 0 at byte 2880: the data unit needs 180000 bytes/);

    const headerCut = path.join(dir, "header-cut.fits");
    copyFileSync(path.join(FITS_DIR, "m13.fits"), headerCut);
    truncateSync(headerCut, 1000);
    const e2 = (await open(headerCut).catch((e) => e)) as FitsError;
    assert.is(e2.code, "ENOEND");
    assert.match(e2.message, /header-cut\.fits: HDU 0 at byte 0: the file ends/);

    const binary = path.join(dir, "binary.fits");
    const bytes = Buffer.alloc(2880 * 2, 0x20);
    bytes.write("SIMPLE  =                    T", 0, "latin1");
    bytes[400] = 0;
    writeFileSync(binary, bytes);
    const e3 = (await open(binary).catch((e) => e)) as FitsError;
    assert.is(e3.code, "EBADHEADER");
    assert.match(e3.message, /HDU 0 at byte 400: byte 0x00 in a header/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("negative axis lengths are refused, not looped over; NUL padding after END is accepted", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-"));
  try {
    const header = (cards: string[]) =>
      Buffer.from(
        cards
          .map((c) => c.padEnd(80))
          .join("")
          .padEnd(2880),
        "latin1",
      );
    const negative = path.join(dir, "negative.fits");
    writeFileSync(
      negative,
      header(["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    1", "NAXIS1  =                -2880", "END"]),
    );
    const e = (await open(negative).catch((x) => x)) as FitsError;
    assert.is(e.code, "EBADHEADER");
    assert.match(e.message, /NAXIS1 = -2880: expected a whole number ≥ 0/);
    const nul = path.join(dir, "nul.fits");
    const bytes = header(["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0", "END"]);
    bytes.fill(0, 4 * 80);
    writeFileSync(nul, bytes);
    const list = await open(nul);
    assert.is(list.length, 1);
    await list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cards: strings with quotes, D exponents, complex, HIERARCH, undefined values, long integers", () => {
  const card = (s: string) => parseCard(s.padEnd(80));
  assert.is(card("OBJECT  = 'O''Brien  '  / name").value, "O'Brien");
  assert.is(card("OBJECT  = 'O''Brien  '  / name").comment, "name");
  assert.is(card("EXPTIME =   1.5D+02").value, 150);
  assert.equal(card("CPLX    = (1.5, -2)").value, [1.5, -2]);
  assert.is(card("HIERARCH ESO DET CHIPS = 1 / chips").keyword, "ESO DET CHIPS");
  assert.is(card("UNDEF   =             / nothing").value, null);
  assert.is(card("BIG     = 12345678901234567890").value, 12345678901234567890n);
  assert.is(card("FLAG    =                    F").value, false);
  assert.ok(card("BAD     = 'no end").unparsable);
  const long = "Orion KL's hot core, ".repeat(12);
  const image = formatCard({ keyword: "LONG", value: long, comment: "a long string" });
  assert.is(image.length % 80, 0);
  assert.match(image, /^LONG {4}= 'Orion KL''s hot core/);
  assert.match(image, /CONTINUE {2}'/);
  assert.is(Header.fromImages(image.match(/.{80}/g)!).header.get("LONG"), long.replace(/ +$/, ""));
  assert.throws(() => formatCard({ keyword: "BAD", value: NaN, comment: "" }), /cannot hold NaN/);
});
test.run();
