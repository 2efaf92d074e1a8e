"""Fixtures for casa-bridge's tests, made with Debian's python-casacore (and astropy for the FITS start):

  image.im   a float CASA image, 24 x 20 x 12 x 1 (RA, Dec, frequency, Stokes I), J2000 SIN, LSRK with a
             rest frequency, a restoring beam, unit Jy/beam, misc info, history and a mask
  small.ms   a MeasurementSet: 4 antennas, 3 fields, 2 spectral windows (8 and 16 channels), XX/YY,
             5 scans over both windows
Usage: casa_fixtures.py DIR
"""
import os
import sys

import numpy as np
from astropy.io import fits
import casacore.images as pim
import casacore.tables as pt

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# --- image ------------------------------------------------------------------------------------------
nx, ny, nz = 24, 20, 12
z, y, x = np.mgrid[0:nz, 0:ny, 0:nx]
data = (2.0 * np.exp(-((x - 10) ** 2 + (y - 8) ** 2) / 8.0 - (z - 5) ** 2 / 4.0) + 0.01 * np.sin(x * 1.3 + y * 0.7 + z)).astype(np.float32)
data[3, 2, 5] = np.nan
header = fits.Header()
for k, v in [("CTYPE1", "RA---SIN"), ("CRVAL1", 83.8221), ("CDELT1", -1.0 / 3600), ("CRPIX1", 12.0), ("CUNIT1", "deg"),
             ("CTYPE2", "DEC--SIN"), ("CRVAL2", -5.3911), ("CDELT2", 1.0 / 3600), ("CRPIX2", 10.0), ("CUNIT2", "deg"),
             ("CTYPE3", "FREQ"), ("CRVAL3", 230.538e9), ("CDELT3", 488281.25), ("CRPIX3", 6.0), ("CUNIT3", "Hz"),
             ("CTYPE4", "STOKES"), ("CRVAL4", 1.0), ("CDELT4", 1.0), ("CRPIX4", 1.0),
             ("RESTFRQ", 230.538e9), ("SPECSYS", "LSRK"), ("RADESYS", "FK5"), ("EQUINOX", 2000.0),
             ("BUNIT", "Jy/beam"), ("BMAJ", 3.0 / 3600), ("BMIN", 2.0 / 3600), ("BPA", 35.0),
             ("TELESCOP", "ALMA"), ("OBSERVER", "jovial"), ("OBJECT", "Orion KL"), ("DATE-OBS", "2024-03-01T04:00:00")]:
    header[k] = v
header.add_history("made by casa_fixtures.py")
header.add_history("for casa-bridge's tests")
fits.PrimaryHDU(data[np.newaxis], header).writeto(os.path.join(out, "image.fits"), overwrite=True)
image = pim.image(os.path.join(out, "image.fits"))
image.saveas(os.path.join(out, "image.im"), overwrite=True)
del image
image = pim.image(os.path.join(out, "image.im"))
# Masked (bad) pixels: a corner box of the first channels.
mask = np.zeros((1, nz, ny, nx), dtype=bool)
mask[0, 0:2, 0:3, 0:4] = True
mask[0, 3, 2, 5] = True  # the NaN pixel, as a FITS import masks it
image.putmask(mask)
del image
table = pt.table(os.path.join(out, "image.im"), readonly=False, ack=False)
table.putkeyword("miscinfo", {"origin": "jovial tests", "channels": 12})
table.close()

# --- MeasurementSet -------------------------------------------------------------------------------------
ms_path = os.path.join(out, "small.ms")
ms = pt.default_ms(ms_path)
ms.close()
sub = lambda name: pt.table(os.path.join(ms_path, name), readonly=False, ack=False)

ant = sub("ANTENNA")
names = ["DA41", "DA42", "DV07", "PM03"]
ant.addrows(len(names))
ant.putcol("NAME", names)
ant.putcol("STATION", ["A001", "A002", "A007", "T703"])
ant.putcol("DISH_DIAMETER", np.array([12.0, 12.0, 12.0, 12.0]))
ant.putcol("POSITION", np.array([[2225061.0 + 10 * i, -5440057.0 - 7 * i, -2481681.0 + 3 * i] for i in range(len(names))]))
ant.putcol("TYPE", ["GROUND-BASED"] * len(names))
ant.putcol("MOUNT", ["ALT-AZ"] * len(names))
ant.close()

field = sub("FIELD")
fields = [("Orion_KL", 83.8221, -5.3911), ("J0522-3627", 80.7416, -36.4586), ("Titan", 201.0, -10.5)]
field.addrows(len(fields))
field.putcol("NAME", [f[0] for f in fields])
field.putcol("CODE", ["T", "P", "F"])
dirs = np.array([[[np.radians(f[1]), np.radians(f[2])]] for f in fields])
for col in ("PHASE_DIR", "DELAY_DIR", "REFERENCE_DIR"):
    field.putcol(col, dirs)
field.close()

spw = sub("SPECTRAL_WINDOW")
windows = [("SPW0", 8, 230.0e9, 15.625e6), ("SPW1", 16, 231.5e9, -7.8125e6)]
spw.addrows(len(windows))
for i, (name, n, f0, df) in enumerate(windows):
    spw.putcell("NAME", i, name)
    spw.putcell("NUM_CHAN", i, n)
    freqs = f0 + df * np.arange(n)
    spw.putcell("CHAN_FREQ", i, freqs)
    spw.putcell("CHAN_WIDTH", i, np.full(n, df))
    spw.putcell("EFFECTIVE_BW", i, np.full(n, abs(df)))
    spw.putcell("RESOLUTION", i, np.full(n, abs(df)))
    spw.putcell("TOTAL_BANDWIDTH", i, abs(df) * n)
    spw.putcell("REF_FREQUENCY", i, freqs[n // 2])
    spw.putcell("MEAS_FREQ_REF", i, 5)  # TOPO
spw.close()

pol = sub("POLARIZATION")
pol.addrows(1)
pol.putcell("NUM_CORR", 0, 2)
pol.putcell("CORR_TYPE", 0, np.array([9, 12], dtype=np.int32))  # XX, YY
pol.putcell("CORR_PRODUCT", 0, np.array([[0, 0], [1, 1]], dtype=np.int32))
pol.close()

dd = sub("DATA_DESCRIPTION")
dd.addrows(2)
dd.putcol("SPECTRAL_WINDOW_ID", np.array([0, 1], dtype=np.int32))
dd.putcol("POLARIZATION_ID", np.array([0, 0], dtype=np.int32))
dd.close()

obs = sub("OBSERVATION")
obs.addrows(1)
obs.putcell("TELESCOPE_NAME", 0, "ALMA")
obs.putcell("OBSERVER", 0, "jovial")
obs.putcell("PROJECT", 0, "2024.1.00001.S")
start = 60370.0 * 86400
obs.putcell("TIME_RANGE", 0, np.array([start, start + 3600.0]))
obs.close()

# Main table: 5 scans (fields 0, 1, 0, 2, 0), each 3 integrations of 6 baselines in both windows.
baselines = [(a, b) for a in range(4) for b in range(a + 1, 4)]
rows = []
t = start
for scan, field_id in enumerate([0, 1, 0, 2, 0], start=1):
    for k in range(3):
        for ddid in (0, 1):
            for a, b in baselines:
                rows.append((t + 6.048 * k, field_id, scan, ddid, a, b))
    t += 300.0
main = pt.table(ms_path, readonly=False, ack=False)
main.addrows(len(rows))
main.putcol("TIME", np.array([r[0] for r in rows]))
main.putcol("TIME_CENTROID", np.array([r[0] for r in rows]))
main.putcol("FIELD_ID", np.array([r[1] for r in rows], dtype=np.int32))
main.putcol("SCAN_NUMBER", np.array([r[2] for r in rows], dtype=np.int32))
main.putcol("DATA_DESC_ID", np.array([r[3] for r in rows], dtype=np.int32))
main.putcol("ANTENNA1", np.array([r[4] for r in rows], dtype=np.int32))
main.putcol("ANTENNA2", np.array([r[5] for r in rows], dtype=np.int32))
main.putcol("INTERVAL", np.full(len(rows), 6.048))
main.putcol("EXPOSURE", np.full(len(rows), 6.048))
main.putcol("UVW", np.array([[100.0 * r[4], -50.0 * r[5], 3.0] for r in rows]))
main.close()
print(out)
