/** The cfitsio addon (native/cfitsio): reading tile-compressed images, in a process of its own. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DType, PixelArray } from "../common/pixels.js";
import { loadAddon } from "@jovial/native";

interface CfitsioAddon {
  /** Fills `out` with the pixels from `first` to `last` (1-based, inclusive, FITS axis order). */
  readImage(path: string, hdu: number, first: number[], last: number[], type: DType, out: PixelArray): Promise<PixelArray>;
  cfitsioVersion: number;
}

export interface ReadRequest {
  path: string;
  hdu: number;
  first: number[];
  last: number[];
  type: DType;
  count: number;
}

export function cfitsio(): CfitsioAddon {
  return loadAddon<CfitsioAddon>("jovial_cfitsio");
}

let child: ChildProcess | undefined;
let nextId = 1;
const stopped = new WeakSet<ChildProcess>();
const pending = new Map<number, { resolve(data: PixelArray): void; reject(e: Error): void }>();

function reader(): ChildProcess {
  if (child && child.exitCode === null && child.signalCode === null) return child;
  cfitsio(); // fail here, with the message naming what to install, if the addon is missing
  const started = fork(fileURLToPath(new URL("./cfitsio-child.js", import.meta.url)), [], { serialization: "advanced", stdio: ["ignore", "ignore", "inherit", "ipc"] });
  started.on("message", (m: { id: number; data?: PixelArray; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (!p) return;
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.data!);
    if (pending.size === 0) idle(started);
  });
  started.on("exit", (code, signal) => {
    const why = stopped.has(started)
      ? "the cfitsio reader was stopped to cancel another read; read again"
      : signal
        ? `cfitsio crashed (${signal}) decoding the data: the compressed data are damaged`
        : `the cfitsio reader exited (${code})`;
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  });
  idle(started);
  child = started;
  return started;
}

/** An idle reader (and its IPC channel) must not keep the program alive. */
function idle(process: ChildProcess): void {
  process.unref();
  (process.channel as { unref?(): void } | undefined)?.unref?.();
}

/**
 * Reads a section of a compressed image in the reader process; a crash there rejects, nothing more.
 * cfitsio cannot be stopped inside a call, so cancelling kills the reader (the next read starts another).
 */
export function readCompressedPixels(request: ReadRequest, signal?: AbortSignal): Promise<PixelArray> {
  const id = nextId++;
  const process = reader();
  process.ref();
  (process.channel as { ref?(): void } | undefined)?.ref?.();
  return new Promise((resolve, reject) => {
    const cancel = () => {
      pending.delete(id);
      reject(signal!.reason);
      stopped.add(process);
      process.kill("SIGKILL");
    };
    const settle =
      <T>(f: (v: T) => void) =>
      (v: T) => {
        signal?.removeEventListener("abort", cancel);
        f(v);
      };
    pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
    signal?.addEventListener("abort", cancel, { once: true });
    process.send({ id, request });
  });
}
