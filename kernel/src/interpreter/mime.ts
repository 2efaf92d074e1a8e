/**
 * What a value looks like to Jupyter: a MIME bundle. A value may choose its own bundle with
 * `[Symbol.for("Jupyter.display")]()`, the convention of Deno's kernel, so the same objects render
 * in both kernels.
 */
import { inspect } from "node:util";
import type { MimeBundle } from "../protocol/messages.js";

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export interface DisplayData {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

const MIME_TYPE = /^[a-z]+\/[-+.\w]+$/i;

/** A plain object whose every key is a MIME type: `display({ "text/html": "<b>hi</b>" })`. */
export function isMimeBundle(value: unknown): value is MimeBundle {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => MIME_TYPE.test(k));
}

/** Binary data travels as base64 text, as the notebook format stores it. */
function encodeValue(mimeType: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  if (typeof value === "string" || mimeType.endsWith("json")) return value;
  return String(value);
}

export function encodeBundle(bundle: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [type, value] of Object.entries(bundle)) {
    if (value !== undefined) out[type] = encodeValue(type, value);
  }
  return out;
}

export function plainText(value: unknown): string {
  return typeof value === "string" ? inspect(value) : inspect(value, { colors: false, depth: 4, maxArrayLength: 100, breakLength: 100 });
}

/**
 * The bundle of a value: its own, if its class defines one (which may be async, as Deno allows), else
 * `text/plain` as `util.inspect` shows it.
 */
export async function bundleOf(value: unknown, options: { raw?: boolean } = {}): Promise<DisplayData> {
  if (options.raw || isMimeBundle(value)) {
    if (!isMimeBundle(value)) throw new TypeError("display(value, { raw: true }) needs a MIME bundle: an object keyed by MIME types");
    return { data: encodeBundle(value), metadata: {} };
  }
  const own = (value as { [JUPYTER_DISPLAY]?: () => unknown } | null | undefined)?.[JUPYTER_DISPLAY];
  if (typeof own === "function") {
    const bundle = await own.call(value);
    if (!isMimeBundle(bundle)) throw new TypeError('[Symbol.for("Jupyter.display")]() must return an object keyed by MIME types');
    const data = encodeBundle(bundle);
    if (!("text/plain" in data)) data["text/plain"] = plainText(value);
    return { data, metadata: {} };
  }
  return { data: { "text/plain": plainText(value) }, metadata: {} };
}
