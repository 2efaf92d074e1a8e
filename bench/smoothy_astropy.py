"""astropy's side of bench/smoothy.js: the same reads on the same files, timed the same way (median)."""
import json
import statistics
import sys
import time

from astropy.io import fits


def median_ms(fn, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


big, cube = sys.argv[1], sys.argv[2]


def metadata():
    with fits.open(big) as hdul:
        hdul[0].header["NAXIS3"]


def whole():
    fits.getdata(cube, memmap=False)


def plane():
    with fits.open(cube) as hdul:
        hdul[0].section[100, :, :]


def spectrum():
    with fits.open(cube) as hdul:
        hdul[0].section[:, 128, 128]


print(json.dumps({
    "metadata_1gb_ms": median_ms(metadata, 20),
    "whole_ms": median_ms(whole, 5),
    "plane_ms": median_ms(plane, 20),
    "spectrum_ms": median_ms(spectrum, 20),
}))
