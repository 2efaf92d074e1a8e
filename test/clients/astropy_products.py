"""Reference values for smoothy's products, computed with Debian's astropy and numpy on a real cube:
spectral axis in frequency and radio velocity, moments 0-2, robust noise, Jy/beam to K."""
import json
import sys

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.stats import mad_std
from astropy.wcs import WCS

path = sys.argv[1]
with fits.open(path) as hdul:
    header = hdul[0].header
    cube = np.squeeze(hdul[0].data).astype(np.float64)  # (z, y, x)
wcs = WCS(header)
nz = cube.shape[0]
pix = np.zeros((nz, wcs.naxis))
pix[:, 2] = np.arange(nz)
freq = wcs.wcs_pix2world(pix, 0)[:, 2] * u.Hz
rest = header["RESTFRQ"] * u.Hz
vrad = freq.to(u.m / u.s, equivalencies=u.doppler_radio(rest)).value
vopt = freq.to(u.m / u.s, equivalencies=u.doppler_optical(rest)).value
wave = freq.to(u.m, equivalencies=u.spectral()).value
dv = abs(vrad[1] - vrad[0])
weights = np.nan_to_num(cube)
m0 = weights.sum(axis=0) * dv
m1 = (weights * vrad[:, None, None]).sum(axis=0) / weights.sum(axis=0)
m2 = np.sqrt((weights * (vrad[:, None, None] - m1) ** 2).sum(axis=0) / weights.sum(axis=0))
beam_area = np.pi * (header["BMAJ"] * u.deg) * (header["BMIN"] * u.deg) / (4 * np.log(2))
k_per_jy = [(1 * u.Jy / beam_area).to(u.K, equivalencies=u.brightness_temperature(f)).value for f in freq]
points = [(0, 0), (50, 60), (99, 99), (37, 12)]


def value(v):
    """JSON has no NaN: a moment undefined at a pixel (negative weights) is null."""
    return None if not np.isfinite(v) else float(v)


print(json.dumps({
    "shape": list(cube.shape[::-1]),
    "freq": freq.value.tolist(), "vrad": vrad.tolist(), "vopt": vopt.tolist(), "wave": wave.tolist(),
    "spectrum_50_60": cube[:, 60, 50].tolist(),
    "m0": {f"{x},{y}": value(m0[y, x]) for x, y in points},
    "m1": {f"{x},{y}": value(m1[y, x]) for x, y in points},
    "m2": {f"{x},{y}": value(m2[y, x]) for x, y in points},
    "mad_std": float(mad_std(cube, ignore_nan=True)),
    "k_per_jy": k_per_jy,
    "plane20_world_0_0": wcs.wcs_pix2world([[0, 0, 20, 0]], 0)[0][:2].tolist(),
}))
