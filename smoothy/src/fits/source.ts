/** Random access to a FITS file's bytes: a file on disk read by range, or a gzipped file unpacked once. */
import { open as openFile, readFile, type FileHandle } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

export interface ByteSource {
  readonly path: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
  /** Reads into `target` at `at`, without an intermediate buffer; resolves to the bytes read. */
  readInto(target: Uint8Array, at: number, offset: number, length: number): Promise<number>;
  /** The open file's descriptor, for reads in native code; none for an unpacked gzip file. */
  readonly fd?: number;
  close(): Promise<void>;
}

class FileSource implements ByteSource {
  constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}
  get fd(): number {
    return this.handle.fd;
  }
  async read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }
  async readInto(target: Uint8Array, at: number, offset: number, length: number): Promise<number> {
    let done = 0;
    // A read may return less than asked (large reads are split by the OS): loop until done or EOF.
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, at + done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
  close(): Promise<void> {
    return this.handle.close();
  }
}

class MemorySource implements ByteSource {
  constructor(
    readonly path: string,
    private readonly bytes: Buffer,
  ) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Buffer> {
    return this.bytes.subarray(offset, offset + length);
  }
  async readInto(target: Uint8Array, at: number, offset: number, length: number): Promise<number> {
    return this.bytes.copy(target, at, offset, Math.min(offset + length, this.bytes.length));
  }
  async close(): Promise<void> {}
}

export async function openSource(path: string): Promise<ByteSource> {
  const handle = await openFile(path, "r");
  try {
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      await handle.close();
      // Whole-file gzip has no random access: unpack once, as astropy does.
      return new MemorySource(path, gunzipSync(await readFile(path)));
    }
    const { size } = await handle.stat();
    return new FileSource(path, size, handle);
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}
