// A small seeded generator (xoshiro128**) whose whole state is four u32 words, so a checkpoint can store it
// and a resumed run draws exactly the numbers the uninterrupted run would have drawn.

export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    // splitmix32 spreads one seed over the four state words (an all-zero state would be stuck at zero).
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  static fromState(words: readonly number[]): Rng {
    if (words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`rng state must be four u32 words, got ${JSON.stringify(words)}`);
    }
    if (words.every((w) => w === 0)) throw new Error('rng state must not be all zero');
    const rng = new Rng(0);
    rng.s.set(words);
    return rng;
  }

  state(): number[] {
    return Array.from(this.s);
  }

  /** The next u32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
