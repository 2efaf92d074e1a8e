"""Reference for smoothy's sliced WCS: astropy's SlicedLowLevelWCS, wcs.celestial and wcs.spectral on
the real Orion cube (RA, Dec, FREQ, STOKES), and on a cube whose frequency also moves along x (a
PC3_1 term), written to argv[2] so both read the same file."""
import json
import sys

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.wcsapi import SlicedLowLevelWCS

orion_path, coupled_path = sys.argv[1], sys.argv[2]
wcs = WCS(fits.getheader(orion_path))
points = {"x": [0.0, 50.0, 99.0, 37.5], "y": [0.0, 60.0, 99.0, 12.25], "z": [0.0, 20.0, 3.0, 7.5]}


def values(w, *pixel):
    out = w.pixel_to_world_values(*[np.asarray(p, dtype=float) for p in pixel])
    out = out if isinstance(out, (list, tuple)) else [out]
    return [np.atleast_1d(a).tolist() for a in out]


def inverse(w, world):
    out = w.world_to_pixel_values(*[np.asarray(a, dtype=float) for a in world])
    out = out if isinstance(out, (list, tuple)) else [out]
    return [np.atleast_1d(a).tolist() for a in out]


cube = SlicedLowLevelWCS(wcs, [0, slice(None), slice(None), slice(None)])
sub = SlicedLowLevelWCS(wcs, [0, slice(5, None), slice(20, None), slice(10, None)])
spectrum = SlicedLowLevelWCS(wcs, [0, slice(None), 60, 50])
plane = SlicedLowLevelWCS(wcs, [0, 20, slice(None), slice(None)])
celestial = wcs.celestial
spectral = wcs.spectral
channels = list(range(0, 40, 7))

header = fits.Header()
for k, v in {"NAXIS": 3, "NAXIS1": 16, "NAXIS2": 16, "NAXIS3": 8,
             "CTYPE1": "RA---SIN", "CTYPE2": "DEC--SIN", "CTYPE3": "FREQ",
             "CRVAL1": 83.8, "CRVAL2": -5.4, "CRVAL3": 2.3e11, "CRPIX1": 8.0, "CRPIX2": 8.0, "CRPIX3": 1.0,
             "CDELT1": -1e-4, "CDELT2": 1e-4, "CDELT3": 1e6, "CUNIT1": "deg", "CUNIT2": "deg", "CUNIT3": "Hz",
             "PC3_1": 0.25}.items():
    header[k] = v
fits.PrimaryHDU(np.zeros((8, 16, 16), dtype=np.float32), header=header).writeto(coupled_path, overwrite=True)
coupled = WCS(header)
map_of_coupled = SlicedLowLevelWCS(coupled, [3, slice(None), slice(None)])
spectrum_of_coupled = SlicedLowLevelWCS(coupled, [slice(None), 4, 6])

print(json.dumps({
    "points": points,
    "cube": values(cube, points["x"], points["y"], points["z"]),
    "sub": {"world": values(sub, [0, 1], [0, 2], [0, 3]), "pixel": inverse(sub, values(sub, [0, 1], [0, 2], [0, 3]))},
    "spectrum": {"world_n_dim": spectrum.world_n_dim, "world": values(spectrum, channels), "channels": channels},
    "plane": {"world_n_dim": plane.world_n_dim, "world": values(plane, points["x"], points["y"])},
    "celestial": {"ctype": list(celestial.wcs.ctype), "crpix": celestial.wcs.crpix.tolist(), "world": values(celestial, points["x"], points["y"]),
                  "pixel": inverse(celestial, values(celestial, points["x"], points["y"]))},
    "spectral": {"ctype": list(spectral.wcs.ctype), "world": values(spectral, channels)},
    "coupled_map": {"world_n_dim": map_of_coupled.world_n_dim, "world": values(map_of_coupled, [0, 5, 15], [0, 9, 2])},
    "coupled_spectrum": {"world_n_dim": spectrum_of_coupled.world_n_dim, "world": values(spectrum_of_coupled, [0, 1, 7])},
}))
