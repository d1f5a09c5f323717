// A set of numbers asked "is there one within `tolerance` of x?" in constant time. Values are filed by
// floor(x / tolerance): a near one can only sit in x's bucket or the two beside it, and within a bucket (narrower
// than the tolerance) the smallest and largest value are the ones that decide. The rule annotator keeps every goal
// and result it has read, so a list searched from the start would make it quadratic in the text.
export class NearSet {
  private readonly buckets = new Map<number, { min: number; max: number }>();

  constructor(
    private readonly tolerance: number,
    values: Iterable<number> = [],
  ) {
    for (const v of values) this.add(v);
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return; // never near anything, as |x − v| < tolerance is never true for it
    const key = this.key(value);
    const bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, { min: value, max: value });
    else if (value < bucket.min) bucket.min = value;
    else if (value > bucket.max) bucket.max = value;
  }

  has(value: number): boolean {
    if (!Number.isFinite(value)) return false;
    const near = (v: number) => Math.abs(v - value) < this.tolerance;
    const key = this.key(value);
    for (const k of [key - 1, key, key + 1]) {
      const b = this.buckets.get(k);
      if (b && (near(b.min) || near(b.max) || (b.min <= value && value <= b.max))) return true;
    }
    return false;
  }

  private key(value: number): number {
    return Math.floor(value / this.tolerance);
  }
}
