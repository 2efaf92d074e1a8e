"""python-casacore's reading of whole MeasurementSets, as JSON on stdout: what the tests of
casa-bridge's createMeasurementSet compare with. For each MS, the main table and every subtable its
keywords name: row count, table info, keyword names, and per column its description and every cell
(null where a cell is undefined), as python-casacore gives them (numpy order: a FLAG cell is
[channel][correlation]); complex values as [re, im]. With --uvw, also casacore's own J2000 UVW of
each main-table row from the MS's antennas, fields and times (derivedmscal's mscal.uvwj2000).
Usage: ms_reader.py [--uvw] MS...
"""
import json
import math
import sys

import numpy as np
import casacore.tables as pt


def plain(v):
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()] if v.ndim else plain(v.item())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (complex, np.complexfloating)):
        return [plain(float(v.real)), plain(float(v.imag))]
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def describe(desc):
    keep = ("valueType", "ndim", "shape", "comment")
    out = {k: plain(desc[k]) for k in keep if k in desc}
    out["keywords"] = plain(desc.get("keywords", {}))
    return out


def read_table(path):
    t = pt.table(path, ack=False)
    columns = {}
    for name in t.colnames():
        cells = [plain(t.getcell(name, i)) if t.iscelldefined(name, i) else None for i in range(t.nrows())]
        columns[name] = {"desc": describe(t.getcoldesc(name)), "cells": cells}
    keywords = t.getkeywords()
    out = {"nrows": t.nrows(), "info": plain(t.info()), "keywords": sorted(keywords.keys()), "columns": columns}
    subtables = [k for k, v in keywords.items() if isinstance(v, str) and v.startswith("Table: ")]
    t.close()
    return out, subtables


def read_ms(path, uvw):
    main, subtables = read_table(path)
    tables = {"MAIN": main}
    for name in subtables:
        tables[name], _ = read_table(f"{path}/{name}")
    out = {"tables": tables}
    if uvw:
        out["uvwj2000"] = plain(pt.taql(f"SELECT mscal.uvwj2000() AS U FROM '{path}'").getcol("U"))
    return out


args = sys.argv[1:]
with_uvw = "--uvw" in args
paths = [a for a in args if a != "--uvw"]
print(json.dumps({p: read_ms(p, with_uvw) for p in paths}))
