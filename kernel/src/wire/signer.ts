/**
 * HMAC signatures of the wire protocol. An unsigned or wrongly signed message must be dropped, never
 * executed: anyone who can reach the port could otherwise run code as the user.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface Signer {
  sign(parts: Buffer[]): string;
  verify(signature: string, parts: Buffer[]): boolean;
}

export function createSigner(key: string, scheme = "hmac-sha256"): Signer {
  const algorithm = scheme.replace(/^hmac-/, "");
  if (key === "") {
    // An empty key is the spec's way of turning authentication off; signatures are then empty.
    return { sign: () => "", verify: () => true };
  }
  const sign = (parts: Buffer[]) => {
    const hmac = createHmac(algorithm, key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  };
  return {
    sign,
    verify(signature, parts) {
      const expected = Buffer.from(sign(parts), "latin1");
      const given = Buffer.from(signature, "latin1");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
