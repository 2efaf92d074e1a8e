"""astropy's side of bench/smoothy.js (Debian's python3-astropy), in a process of its own: the same
operations on the same files, timed the same way (median), each opening the file afresh.

Usage: smoothy_astropy.py time FILE N  -> JSON of medians (ms)
       smoothy_astropy.py mem FILE     -> JSON { baseline_kb, peak_kb, bytes } for one getdata(memmap=False)
"""
import json
import resource
import statistics
import sys
import time

from astropy.io import fits


def median_ms(fn, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
        del result  # freed outside the timing, as the node side collects its buffer between repetitions
    return statistics.median(times)


def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def timings(path, n):
    with fits.open(path) as hdul:
        nz, ny, nx = hdul[0].shape  # numpy order: the reverse of FITS's

    def metadata():
        with fits.open(path) as hdul:
            hdul[0].header["NAXIS3"]

    def whole():
        return fits.getdata(path, memmap=False)

    def plane():
        with fits.open(path) as hdul:
            return hdul[0].section[nz // 2, :, :]

    def spectrum():
        with fits.open(path) as hdul:
            return hdul[0].section[:, ny // 2, nx // 2]

    return {
        "metadata_ms": median_ms(metadata, 20),
        "whole_ms": median_ms(whole, n),
        "plane_ms": median_ms(plane, 20),
        "spectrum_ms": median_ms(spectrum, 20),
    }


def memory(path):
    baseline = rss_kb()
    data = fits.getdata(path, memmap=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return {"baseline_kb": baseline, "peak_kb": peak, "bytes": data.nbytes}


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "time":
        print(json.dumps(timings(path, int(sys.argv[3]))))
    elif mode == "mem":
        print(json.dumps(memory(path)))
    else:
        raise SystemExit(f"unknown mode {mode}")
