"""python-casacore's reading of casa_fixtures.py's image and MeasurementSet, as JSON on stdout: what
casa-bridge's tests compare with. Arrays are given in casacore's axis order (python-casacore's numpy
arrays are the reverse), NaN as null.
Usage: casa_reference.py DIR
"""
import json
import math
import os
import sys

import numpy as np
import casacore.images as pim
import casacore.tables as pt
import casacore.measures as pm
import casacore.quanta as qa

d = sys.argv[1]


def plain(v):
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()] if v.ndim else plain(v.item())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def casa_order(a):
    """numpy (reversed) order to casacore order, flattened with axis 0 fastest."""
    return np.asarray(a).ravel(order="C")


out = {}
im = pim.image(os.path.join(d, "image.im"))
cs = im.coordinates()
direction, spectral, stokes = cs.get_coordinate("direction"), cs.get_coordinate("spectral"), cs.get_coordinate("stokes")
stats = im.statistics()
box = im.subimage(blc=[0, 2, 4, 6], trc=[0, 9, 15, 19]).statistics()
pixels = [[0, 0, 0, 0], [0, 5, 8, 10], [0, 11, 19, 23]]  # numpy order: stokes, chan, y, x
out["image"] = {
    "shape": list(reversed(im.shape())),
    "unit": im.unit(),
    "imageinfo": plain(im.imageinfo()),
    "miscinfo": plain(im.miscinfo()),
    "history": im.history(),
    "data": plain(casa_order(im.getdata())),
    "good": plain(casa_order(~im.getmask()).astype(int)),
    "direction": {"refval": plain(direction.get_referencevalue()), "refpix": plain(direction.get_referencepixel()),
                  "incr": plain(direction.get_increment()), "frame": direction.get_frame(), "projection": direction.get_projection(),
                  "units": direction.get_unit()},
    "spectral": {"refval": plain(spectral.get_referencevalue()), "refpix": plain(spectral.get_referencepixel()),
                 "incr": plain(spectral.get_increment()), "frame": spectral.get_frame(), "restfreq": plain(spectral.get_restfrequency()),
                 "units": spectral.get_unit()},
    "stokes": stokes.get_stokes(),
    # pixels and world in casacore order
    "toworld": [[list(reversed(p)), list(reversed(plain(im.toworld(p))))] for p in pixels],
    "statistics": plain(stats),
    "statistics_box": plain(box),
}

ms = os.path.join(d, "small.ms")
t = pt.table(ms, ack=False)
out["ms"] = {
    "nrows": t.nrows(),
    "colnames": t.colnames(),
    "TIME": plain(t.getcol("TIME")),
    "ANTENNA2": plain(t.getcol("ANTENNA2")),
    "UVW_rows_10_to_14": plain(casa_order(t.getcol("UVW", startrow=10, nrow=5))),
    "FIELD_ID_every_7th": plain(t.getcol("FIELD_ID", rowincr=7)),
    "keywords": sorted(t.getkeywords().keys()),
    "field_names": pt.table(os.path.join(ms, "FIELD"), ack=False).getcol("NAME"),
    "chan_freq": [plain(x) for x in pt.table(os.path.join(ms, "SPECTRAL_WINDOW"), ack=False).getvarcol("CHAN_FREQ").values()],
    "uvw_desc": plain(t.getcoldesc("UVW")),
}
scans = pt.taql(f"SELECT SCAN_NUMBER, FIELD_ID, gmin(TIME) AS T0, gcount() AS N FROM '{ms}' GROUPBY SCAN_NUMBER, FIELD_ID ORDERBY SCAN_NUMBER")
out["taql"] = {
    "groupby": {"SCAN_NUMBER": plain(scans.getcol("SCAN_NUMBER")), "FIELD_ID": plain(scans.getcol("FIELD_ID")), "T0": plain(scans.getcol("T0")), "N": plain(scans.getcol("N"))},
    "select_where": plain(pt.taql(f"SELECT ANTENNA1, ANTENNA2 FROM '{ms}' WHERE SCAN_NUMBER == 2 AND DATA_DESC_ID == 1").getcol("ANTENNA2")),
    "calc": plain(pt.taql("CALC sum([1.5, 2, 3.25])")),
}

me = pm.measures()
orion = me.direction("J2000", "83.8221deg", "-5.3911deg")
gal = me.measure(orion, "GALACTIC")
me.doframe(me.observatory("ALMA"))
me.doframe(me.epoch("UTC", "60370.25d"))
azel = me.measure(orion, "AZEL")
me.doframe(orion)
lsrk = me.frequency("LSRK", "230.538GHz")
topo = me.measure(lsrk, "TOPO")
bary = me.measure(lsrk, "BARY")
utc = me.epoch("UTC", "60370.25d")
out["measures"] = {
    "galactic": [gal["m0"]["value"], gal["m1"]["value"]],
    "azel": [azel["m0"]["value"], azel["m1"]["value"]],
    "topo_hz": topo["m0"]["value"],
    "bary_hz": bary["m0"]["value"],
    "tai_mjd": me.measure(utc, "TAI")["m0"]["value"],
    "last_mjd": me.measure(utc, "LAST")["m0"]["value"],
    "observatories_has_alma": "ALMA" in me.get_observatories(),
}
print(json.dumps(out))
