import { createHash } from 'node:crypto';

/**
 * sha256 (hex) over several parts. Each part is preceded by its byte length, so moving bytes
 * from one part to the next always changes the hash.
 */
export function fingerprintParts(parts: readonly (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(bytes.byteLength));
    hash.update(length);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
