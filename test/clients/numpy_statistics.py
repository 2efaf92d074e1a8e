"""The reference for smoothy's streaming statistics: astropy reads the image, numpy and math.fsum
compute each figure with exact sums. Prints JSON. Usage: numpy_statistics.py FILE [HDU [Z0 Z1]]."""
import json
import math
import sys

import numpy as np
from astropy.io import fits

path = sys.argv[1]
index = int(sys.argv[2]) if len(sys.argv) > 2 else 0
with fits.open(path) as hdul:
    data = hdul[index].data
    if len(sys.argv) > 4:
        data = data[int(sys.argv[3]) : int(sys.argv[4])]
    stored = data.dtype
    values = np.asarray(data, dtype=np.float64).ravel()
finite = values[np.isfinite(values)]
n = finite.size
total = math.fsum(finite)
mean = total / n
median = float(np.median(finite))
# smoothy takes |x - median| in the data's own float type (float32 stays float32), as statistics() does.
work = np.float32 if stored.itemsize <= 4 and not (stored.kind == "i" and stored.itemsize == 4) else np.float64
mad = float(np.median(np.abs(finite - median).astype(work).astype(np.float64)))
print(json.dumps({
    "npts": int(n),
    "nonFinite": int(values.size - n),
    "sum": total,
    "min": float(finite.min()),
    "max": float(finite.max()),
    "rms": math.sqrt(math.fsum(finite * finite) / n),
    "sigma": math.sqrt(math.fsum((finite - mean) ** 2) / (n - 1)),
    "median": median,
    "mad": mad,
}))
