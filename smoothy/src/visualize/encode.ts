/**
 * Arrays for the page as plotly's typed-array JSON (`{ dtype, bdata, shape }`, base64): a third of
 * the size of numbers written out, which is what keeps a view under its output budget.
 */
export interface TypedArrayJson {
  dtype: "f4" | "u1" | "u2";
  bdata: string;
  shape?: string;
}

/** float32, NaN kept (plotly leaves NaN cells of a heatmap empty). `shape` in plotly's order: rows, columns. */
export function float32Json(values: ArrayLike<number>, shape?: number[]): TypedArrayJson {
  const f = Float32Array.from(values);
  return { dtype: "f4", bdata: Buffer.from(f.buffer).toString("base64"), ...(shape ? { shape: shape.join(",") } : {}) };
}

export function bytesJson(values: Uint8Array | Uint16Array): TypedArrayJson {
  return { dtype: values instanceof Uint8Array ? "u1" : "u2", bdata: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64") };
}
