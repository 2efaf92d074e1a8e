/** Errors of the FITS layer: each names the file, the HDU, the byte offset and the cause. */
export type FitsErrorCode = "ETRUNCATED" | "ENOEND" | "ENOTFITS" | "EBADHEADER" | "ENOHDU" | "ENOTSUPPORTED" | "EBADDATA";

export class FitsError extends Error {
  constructor(
    readonly code: FitsErrorCode,
    readonly file: string,
    readonly hdu: number | undefined,
    readonly offset: number | undefined,
    cause: string,
  ) {
    const where = [hdu !== undefined ? `HDU ${hdu}` : "", offset !== undefined ? `byte ${offset}` : ""].filter(Boolean).join(" at ");
    super(`${file}: ${where ? `${where}: ` : ""}${cause}`);
    this.name = "FitsError";
  }
}
