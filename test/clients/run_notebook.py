"""Executes a notebook with Debian's nbclient, as `jupyter nbconvert --execute` would, and reports each
cell's outputs as JSON. A cell that errors without the `raises-exception` tag fails the run."""
import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, out_path, cwd = sys.argv[1], sys.argv[2], sys.argv[3]
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=120, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "jovial"),
                        resources={"metadata": {"path": cwd}})
error = None
try:
    client.execute()
except CellExecutionError as e:
    error = str(e)[:4000]
nbformat.write(nb, out_path)
cells = [{"cell_type": c.cell_type, "source": c.source, "tags": c.metadata.get("tags", []),
          "outputs": c.get("outputs", [])} for c in nb.cells]
print(json.dumps({"error": error, "cells": cells}))
