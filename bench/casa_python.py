"""python-casacore's side of bench/casa.js: makes the fixtures (make DIR) or times the reads (time DIR),
printing JSON medians in seconds."""
import json
import os
import sys
import time

import numpy as np
import casacore.images as pim
import casacore.tables as pt

mode, d = sys.argv[1], sys.argv[2]
image_path, table_path = os.path.join(d, "cube.im"), os.path.join(d, "million.tab")

if mode == "make":
    im = pim.image(image_path, shape=(256, 512, 512), overwrite=True)
    rng = np.random.default_rng(1)
    for k in range(0, 256, 32):
        im.putdata(rng.standard_normal((32, 512, 512), dtype=np.float32), blc=[k, 0, 0])
    del im
    desc = pt.maketabdesc([pt.makescacoldesc("VALUE", 0.0), pt.makescacoldesc("GROUP", 0)])
    t = pt.table(table_path, desc, nrow=1_000_000, ack=False)
    t.putcol("VALUE", rng.standard_normal(1_000_000))
    t.putcol("GROUP", (np.arange(1_000_000) % 100).astype(np.int32))
    t.close()
    print(json.dumps({"image": image_path, "table": table_path}))
    sys.exit(0)


def median(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[n // 2]


im = pim.image(image_path)
im.getdata(blc=[0, 0, 0], trc=[0, 511, 511])  # opened and warm
result = {
    "whole_s": median(lambda: im.getdata(), 5),
    "planes_s": median(lambda: [im.getdata(blc=[k, 0, 0], trc=[k, 511, 511]) for k in range(256)], 3),
}
t = pt.table(table_path, ack=False)
result["column_s"] = median(lambda: t.getcol("VALUE"), 7)
result["taql_s"] = median(lambda: pt.taql(f"SELECT VALUE FROM '{table_path}' WHERE GROUP < 50").getcol("VALUE"), 5)
print(json.dumps(result))
