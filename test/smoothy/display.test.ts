// What a cell shows when it ends in a product, an HDU or a WCS, and kind checks that hold when a
// notebook folder has its own copy of smoothy (a second instance of the module, as Node loads it).
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as smoothy from "smoothy";
import { Cube, isCube, isHDU, isImage, isProduct, kindOf, open, visualize, writeImage } from "smoothy";
import { ROOT } from "../helpers/kernel-client.ts";

const test = suite("rich display and kinds");
const dir = mkdtempSync(path.join(os.tmpdir(), "smoothy-display-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const WCS_CARDS = {
  CTYPE1: "RA---SIN",
  CRVAL1: 83.8104,
  CDELT1: -1e-4,
  CRPIX1: 10,
  CTYPE2: "DEC--SIN",
  CRVAL2: -5.3751,
  CDELT2: 1e-4,
  CRPIX2: 8,
  CTYPE3: "FREQ",
  CRVAL3: 229.758e9,
  CDELT3: 4.88e5,
  CRPIX3: 6,
  RESTFRQ: 229.758e9,
  SPECSYS: "LSRK",
  BUNIT: "JY/BEAM",
  BMAJ: 2e-4,
  BMIN: 1.5e-4,
  BPA: 30,
};

function cubeOf(lib: typeof smoothy): smoothy.Cube {
  const [nx, ny, nz] = [20, 16, 12];
  const data = Float32Array.from({ length: nx * ny * nz }, (_, i) => Math.sin(i));
  const header = new lib.Header(Object.entries(WCS_CARDS).map(([keyword, value]) => ({ keyword, value, comment: "", image: "" })));
  return lib.productOf({ header, data, shape: [nx, ny, nz], source: "test cube" }) as smoothy.Cube;
}

test("a cube shows its shape, unit, beam, sky extent and velocity range, as text and HTML, and util.inspect prints it", () => {
  const cube = cubeOf(smoothy);
  const bundle = (cube as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  const text = bundle["text/plain"];
  assert.match(text, /^Cube 20 × 16 × 12 \(Jy \/ beam\)/);
  assert.match(text, /beam: 0\.720″ × 0\.540″, PA 30\.0°/);
  assert.match(text, /RA, Dec: 5h35m1\d\.\ds to 5h35m1\d\.\ds; −5°22′\d\d″ to −5°22′\d\d″/);
  assert.match(text, /velocity: -?\d+\.\d+ to \d+\.\d+ km\/s \(12 channels\)/);
  assert.match(bundle["text/html"], /<caption[^>]*><b>Cube<\/b><\/caption>.*<th[^>]*>beam<\/th>/);
  assert.is(inspect(cube), text, "console.log of a cube prints the same summary, not its pixels");
  const m0 = cube.moment(0);
  assert.match(inspect(m0), /^Image 20 × 16 \(Jy km \/ \(beam s\)\)/);
});

test("pixelToWorldValues and worldToPixelValues on a product's own axes, a moment map's included", () => {
  const cube = cubeOf(smoothy);
  const [ra, dec, nu] = cube.pixelToWorldValues([3, 17], [2, 11], [0, 9]);
  const [x, y, z] = cube.worldToPixelValues(ra, dec, nu);
  [3, 17].forEach((p, i) => assert.ok(Math.abs(x[i] - p) < 1e-8 && Math.abs(y[i] - [2, 11][i]) < 1e-8 && Math.abs(z[i] - [0, 9][i]) < 1e-8, `pixel ${i}`));
  const m0 = cube.moment(0);
  const [mra, mdec] = m0.pixelToWorldValues([3], [2]);
  assert.ok(Math.abs(mra[0] - ra[0]) < 1e-12 && Math.abs(mdec[0] - dec[0]) < 1e-12, "the map's sky is the cube's");
  const [mx, my] = m0.worldToPixelValues(mra, mdec);
  assert.ok(Math.abs(mx[0] - 3) < 1e-8 && Math.abs(my[0] - 2) < 1e-8);
});

test("an HDU and a WCS show themselves compactly too", async () => {
  const file = path.join(dir, "cube.fits");
  const cube = cubeOf(smoothy);
  await writeImage(file, { shape: cube.shape, data: cube.data as Float32Array }, { header: WCS_CARDS });
  const list = await open(file);
  try {
    const hdu = list.get(0);
    const bundle = (hdu as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
    assert.match(bundle["text/html"], /<b>PrimaryHDU<\/b> PRIMARY.*20 × 16 × 12/);
    assert.match(inspect(hdu), /^HDU 0\s+PRIMARY\s+1\s+PrimaryHDU/);
    const wcs = hdu.wcs();
    assert.match(inspect(wcs), /Number of WCS axes: 3\nCTYPE\s+: 'RA---SIN'\s+'DEC--SIN'\s+'FREQ'/);
    assert.match(inspect(list), /^Filename: .*cube\.fits\nNo\./);
    assert.is(kindOf(list), "HDUList");
    assert.ok(isHDU(hdu) && !isHDU(wcs) && kindOf(wcs) === "WCS");
  } finally {
    await list.close();
  }
});

test("kind checks hold across two copies of smoothy, where instanceof does not; visualize takes the other copy's cube", async () => {
  // A notebook folder's own copy: the same package at another path, so Node loads it a second time.
  const copy = path.join(ROOT, "test", ".tmp", "smoothy-copy");
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  cpSync(path.join(ROOT, "smoothy", "dist"), path.join(copy, "dist"), { recursive: true });
  cpSync(path.join(ROOT, "smoothy", "package.json"), path.join(copy, "package.json"));
  const other = (await import(pathToFileURL(path.join(copy, "dist", "index.js")).href)) as typeof smoothy;
  assert.is.not(other.Cube, Cube, "a second instance of the module");
  const foreign = cubeOf(other);
  assert.not.ok(foreign instanceof Cube);
  assert.ok(isCube(foreign) && isProduct(foreign) && !isImage(foreign), "the brand says what it is");
  assert.ok(other.isCube(cubeOf(smoothy)), "and the other way round");
  const view = await visualize(foreign);
  assert.match(view.description, /^Cube 20 × 16 × 12: test cube/);
  assert.is(kindOf({}), undefined);
  assert.is(kindOf(null), undefined);
});

test.run();
