/**
 * The process that runs cfitsio's decompression for smoothy. cfitsio 4.2 crashes on some damaged
 * compressed data (Debian's funpack too), so it runs apart: a crash here costs one read an error,
 * not the notebook its kernel. Requests and pixels travel over IPC (structured clone).
 */
import process from "node:process";
import { cfitsio, type ReadRequest } from "./cfitsio.js";
import { TYPED_ARRAYS, type PixelArray } from "../common/pixels.js";

process.on("message", async (message: { id: number; request: ReadRequest }) => {
  const { id, request } = message;
  try {
    const out = new (TYPED_ARRAYS[request.type] as unknown as new (n: number) => PixelArray)(request.count);
    const data = await cfitsio().readImage(request.path, request.hdu, request.first, request.last, request.type, out);
    process.send!({ id, data });
  } catch (e) {
    process.send!({ id, error: (e as Error).message });
  }
});
