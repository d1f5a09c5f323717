// CRC-32 (IEEE 802.3, the zip and PNG one), fed in pieces: training checkpoints carry one over their own bytes
// so a damaged file is refused instead of resumed from.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export class Crc32 {
  private state = 0xffffffff;

  update(bytes: Uint8Array): this {
    let c = this.state;
    for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    this.state = c;
    return this;
  }

  /** Eight lowercase hex digits. */
  hex(): string {
    return ((this.state ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
  }
}
