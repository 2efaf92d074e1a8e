"""int64 values beyond 2^53 in casacore tables and an image, for test/casa/values.test.ts.

make DIR: a table (scalar and array int64 columns, int64 keywords on the table, in a sub-record and
on a column) and an image whose misc info holds one; read DIR: the table's int64 values as python-
casacore reads them back. Integers travel as decimal strings: JSON numbers would round them."""
import json
import os
import sys

import numpy as np
import casacore.images as pim
import casacore.tables as pt

BIG = 2**53 + 1
NEG = -(2**62) + 3
mode, d = sys.argv[1], sys.argv[2]
table_path, image_path = os.path.join(d, "int64.tab"), os.path.join(d, "int64.im")

if mode == "make":
    desc = pt.maketabdesc(
        [
            pt.makescacoldesc("I64", np.int64(0), valuetype="int64"),
            pt.makearrcoldesc("A64", np.int64(0), ndim=1, shape=[3], valuetype="int64"),
        ]
    )
    t = pt.table(table_path, desc, nrow=3, ack=False)
    t.putcol("I64", np.array([BIG, NEG, 5], dtype=np.int64))
    t.putcol("A64", np.array([[BIG, NEG, 1], [2, 3, 4], [-BIG, 0, 2**62]], dtype=np.int64))
    t.putkeyword("big", np.int64(BIG))
    t.putkeyword("small", np.int64(7))
    t.putkeyword("rec", {"neg": np.int64(NEG), "values": np.array([BIG, NEG], dtype=np.int64), "name": "int64s"})
    t.putcolkeyword("I64", "offset", np.int64(NEG))
    t.close()
    im = pim.image(image_path, shape=(2, 2), overwrite=True)
    del im
    it = pt.table(image_path, readonly=False, ack=False)
    it.putkeyword("miscinfo", {"big": np.int64(BIG)})
    it.close()
    print(json.dumps({"table": table_path, "image": image_path}))
else:
    t = pt.table(table_path, ack=False)
    out = {
        "I64": [str(int(v)) for v in t.getcol("I64")],
        "A64": [[str(int(v)) for v in row] for row in t.getcol("A64")],
        "types": [t.getcoldesc("I64")["valueType"], t.getcoldesc("A64")["valueType"]],
    }
    t.close()
    print(json.dumps(out))
