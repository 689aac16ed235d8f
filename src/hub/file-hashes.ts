/** The hashes a downloaded file is checked by: sha256 (LFS ETags, the manifest) and git's blob sha1 (small files' ETags). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileHashes {
  sha256: string;
  /** git's blob id: sha1 of `blob <size>\0` and the bytes, the ETag of a file not stored in LFS. */
  gitSha1?: string;
}

/** The sha256 of a file and, given its size as `gitBlobSize`, its git blob sha1 (a cache check needs only the sha256). */
export async function hashFile(file: string, gitBlobSize?: number): Promise<FileHashes> {
  const sha256 = createHash('sha256');
  const sha1 = gitBlobSize === undefined ? undefined : createHash('sha1').update(`blob ${gitBlobSize}\0`);
  for await (const chunk of createReadStream(file)) {
    sha256.update(chunk as Buffer);
    sha1?.update(chunk as Buffer);
  }
  return sha1 ? { sha256: sha256.digest('hex'), gitSha1: sha1.digest('hex') } : { sha256: sha256.digest('hex') };
}

/** An ETag that is neither a sha256 nor a git sha1 says nothing about the bytes; the size check still applies. */
export function etagMatches(etag: string, hashes: FileHashes): boolean {
  const value = etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  if (/^[0-9a-f]{64}$/.test(value)) return value === hashes.sha256;
  if (/^[0-9a-f]{40}$/.test(value)) return value === hashes.gitSha1;
  return true;
}
