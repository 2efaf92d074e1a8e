#!/usr/bin/python3
"""Compare a cupid-run output with a reference run folder.

usage: compare.py REF_DIR MASK.fits CAT.csv [RESULT.json] [--rtol 1e-6] [--quiet]

REF_DIR holds mask.fits (or mask.fits.gz), catalogue.csv and result.json as in
/work/shared/cupid/reference. Masks must agree pixel for pixel (float masks,
i.e. GaussClumps models, to --rtol), every catalogue cell must agree (numbers
to --rtol relative, empty cells and text exactly), and, when RESULT.json is
given, the resolved configuration must agree numerically. Exit status 0 when
everything matches, 1 otherwise.
"""
import csv
import json
import math
import os
import sys

import numpy as np
from astropy.io import fits


def load_mask(path):
    with fits.open(path) as h:
        for hdu in h:
            if hdu.data is not None:
                return np.squeeze(np.asarray(hdu.data))
    raise SystemExit(f"{path}: no image data")


def close(a, b, rtol):
    if a == b:
        return True
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rtol * max(abs(a), abs(b)) or abs(a - b) <= 1e-12


def as_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def compare_masks(ref_dir, mask_path, rtol, problems):
    ref_path = os.path.join(ref_dir, "mask.fits")
    if not os.path.exists(ref_path):
        ref_path += ".gz"
    ref = load_mask(ref_path)
    ours = load_mask(mask_path)
    if ref.shape != ours.shape:
        problems.append(f"mask shape {ours.shape} != reference {ref.shape}")
        return
    if ref.dtype.kind == "f":
        bad = ~np.isclose(ours, ref, rtol=rtol, atol=1e-12, equal_nan=True)
    else:
        bad = ours.astype(np.int64) != ref.astype(np.int64)
    n = int(bad.sum())
    if n:
        idx = np.argwhere(bad)
        sample = ", ".join(f"{tuple(int(i) for i in p)}: ours {ours[tuple(p)]} ref {ref[tuple(p)]}" for p in idx[:8])
        problems.append(f"mask: {n} of {ref.size} pixels differ (numpy index): {sample}")
    else:
        print(f"  mask: identical ({ref.size} pixels, {int((ref != 0).sum())} in clumps)")


def compare_catalogues(ref_dir, cat_path, rtol, problems):
    with open(os.path.join(ref_dir, "catalogue.csv")) as f:
        ref = list(csv.reader(f))
    with open(cat_path) as f:
        ours = list(csv.reader(f))
    if ref[0] != ours[0]:
        problems.append(f"catalogue header differs:\n    ours {ours[0]}\n    ref  {ref[0]}")
        return
    header = ref[0]
    if len(ref) != len(ours):
        problems.append(f"catalogue: {len(ours) - 1} rows, reference {len(ref) - 1}")
    worst = 0.0
    ncell = 0
    for r, (rr, oo) in enumerate(zip(ref[1:], ours[1:]), start=1):
        for name, a, b in zip(header, rr, oo):
            ncell += 1
            x, y = as_number(a), as_number(b)
            if x is None or y is None or a == "" or b == "":
                if a != b:
                    problems.append(f"row {r} {name}: ours {b!r} ref {a!r}")
                continue
            if not close(x, y, rtol):
                problems.append(f"row {r} {name}: ours {y!r} ref {x!r} (rel {abs(x - y) / max(abs(x), abs(y)):.3g})")
            elif x != y:
                worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    if not any(p.startswith("row") or p.startswith("catalogue") for p in problems):
        print(f"  catalogue: {len(ref) - 1} rows, {ncell} cells agree (largest relative difference {worst:.3g})")


def compare_results(ref_dir, json_path, rtol, problems):
    with open(os.path.join(ref_dir, "result.json")) as f:
        ref = json.load(f)
    with open(json_path) as f:
        ours = json.load(f)
    rc, oc = ref["config_resolved"], ours["config_resolved"]
    for key in sorted(set(rc) | set(oc)):
        if key not in oc:
            problems.append(f"resolved {key}: missing (ref {rc[key]!r})")
        elif key not in rc:
            problems.append(f"resolved {key}: extra (ours {oc[key]!r})")
        else:
            x, y = as_number(rc[key]), as_number(oc[key])
            ok = close(x, y, rtol) if x is not None and y is not None else rc[key] == oc[key]
            if not ok:
                problems.append(f"resolved {key}: ours {oc[key]!r} ref {rc[key]!r}")
    for key in ("n_clumps_from_algorithm", "n_rejected_beam_spatial", "n_rejected_beam_spectral",
                "n_rejected_bad_pixels", "n_clumps_final", "mask_pixels_in_clumps"):
        if key in ref and ref[key] is not None and ref[key] != ours.get(key):
            problems.append(f"{key}: ours {ours.get(key)} ref {ref[key]}")
    if not any(p.startswith("resolved") or p.startswith("n_") or p.startswith("mask_pixels") for p in problems):
        print(f"  result: {len(rc)} resolved values and the counts agree")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    rtol = 1e-6
    if "--rtol" in argv:
        rtol = float(argv[argv.index("--rtol") + 1])
        args.remove(argv[argv.index("--rtol") + 1])
    if len(args) < 3:
        print(__doc__)
        return 2
    ref_dir, mask_path, cat_path = args[:3]
    print(f"{ref_dir}:")
    problems = []
    compare_masks(ref_dir, mask_path, rtol, problems)
    compare_catalogues(ref_dir, cat_path, rtol, problems)
    if len(args) > 3:
        compare_results(ref_dir, args[3], rtol, problems)
    if problems:
        shown = problems[:40]
        print(f"  FAIL ({len(problems)} differences)")
        for p in shown:
            print("    " + p)
        if len(problems) > len(shown):
            print(f"    ... {len(problems) - len(shown)} more")
        return 1
    print("  PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
