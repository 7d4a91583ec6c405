/**
 * Read buffers shared by hashing and uploading, reused instead of allocated per chunk: a thousand-file
 * upload then allocates a few dozen buffers rather than leaving hundreds of megabytes to the garbage
 * collector.
 */
export const CHUNK = 256 * 1024;
const pool: Buffer[] = [];
const KEEP = 64;

export function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
}

export function giveBuffer(buf: Buffer): void {
  if (buf.length === CHUNK && pool.length < KEEP) pool.push(buf);
}
