"""Writes a FITS file with a binary table using every TFORM and an ASCII table, with Debian's astropy,
and prints astropy's reading of every column as JSON, for smoothy's table reader to match."""
import json
import sys

import numpy as np
from astropy.io import fits

path = sys.argv[1]
n = 4
cols = [
    fits.Column(name="flag", format="L", array=np.array([True, False, True, False])),
    fits.Column(name="bits", format="11X", array=np.array([[i % 2 == 0, i % 3 == 0] + [False] * 8 + [True] for i in range(n)])),
    fits.Column(name="byte", format="B", array=np.array([0, 1, 200, 255], dtype=np.uint8)),
    fits.Column(name="short", format="I", array=np.array([-32768, -1, 0, 32767], dtype=np.int16)),
    # Scaled columns are written raw and their TZERO/TSCAL set afterwards (astropy 5.2 cannot write
    # some of them itself); astropy's reading of the file is still the reference.
    fits.Column(name="sbyte", format="B", array=np.array([0, 127, 128, 255], dtype=np.uint8)),
    fits.Column(name="ushort", format="I", array=np.array([-32768, -32767, 7232, 32767], dtype=np.int16)),
    fits.Column(name="int", format="J", null=-999, array=np.array([-2147483648, -999, 7, 2147483647], dtype=np.int32)),
    fits.Column(name="uint", format="J", array=np.array([-2147483648, -2147483647, 852516352, 2147483647], dtype=np.int32)),
    fits.Column(name="long", format="K", array=np.array([-9223372036854775808, -1, 2**53 + 1, 9223372036854775807], dtype=np.int64)),
    fits.Column(name="scaled", format="I", array=np.array([0, 1, -20, 32767], dtype=np.int16)),
    fits.Column(name="float", format="E", unit="Jy", array=np.array([1.5, np.nan, -np.inf, 3.25e-20], dtype=np.float32)),
    fits.Column(name="double", format="D", array=np.array([np.pi, -0.0, 1e308, 5e-324])),
    fits.Column(name="vector", format="3E", array=np.arange(12, dtype=np.float32).reshape(4, 3)),
    fits.Column(name="matrix", format="6J", dim="(3,2)", array=np.arange(24, dtype=np.int32).reshape(4, 2, 3)),
    fits.Column(name="cplx", format="C", array=np.array([1 + 2j, -1j, 0, 3.5 + 0j], dtype=np.complex64)),
    fits.Column(name="dcplx", format="M", array=np.array([1 + 2j, -1j, 0, 3.5 + 0j], dtype=np.complex128)),
    fits.Column(name="text", format="8A", array=np.array(["Orion", "Sgr B2", "", "M17 SWex"])),
    fits.Column(name="vla", format="PE()", array=np.array([np.array([1.0], np.float32), np.array([], np.float32), np.array([2, 3, 4], np.float32), np.array([5, 6], np.float32)], dtype=object)),
    fits.Column(name="qvla", format="QJ()", array=np.array([np.array([1, 2], np.int32), np.array([3], np.int32), np.array([], np.int32), np.array([4, 5, 6, 7], np.int32)], dtype=object)),
]
binary = fits.BinTableHDU.from_columns(cols, name="EVERYTHING")
ascii_cols = [
    fits.Column(name="name", format="A10", array=np.array(["alpha", "beta", "gamma", "delta"])),
    fits.Column(name="count", format="I6", array=np.array([1, -20, 300, 4000])),
    fits.Column(name="flux", format="E14.6", array=np.array([1.5, -2.25e-5, 3e10, 0.0])),
    fits.Column(name="ra", format="D22.14", array=np.array([83.8221, 266.4168, 0.0, 359.999])),
]
ascii_table = fits.TableHDU.from_columns(ascii_cols, name="ASCII")
fits.HDUList([fits.PrimaryHDU(), binary, ascii_table]).writeto(path, overwrite=True)
names = [c.name for c in cols]
for name, keyword, value in [("sbyte", "TZERO", -128), ("ushort", "TZERO", 32768), ("uint", "TZERO", 2147483648),
                             ("scaled", "TSCAL", 0.5), ("scaled", "TZERO", 100.0)]:
    fits.setval(path, f"{keyword}{names.index(name) + 1}", value=value, ext=1)


def plain(value):
    if isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "tolist"):
        value = value.tolist() if hasattr(value, "tolist") else list(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, complex):
        return [value.real, value.imag]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("latin1")
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    return value


out = {}
with fits.open(path) as hdul:
    for hdu in hdul[1:]:
        data = hdu.data
        out[hdu.name] = {name: plain(data[name]) for name in data.columns.names}
print(json.dumps(out))
