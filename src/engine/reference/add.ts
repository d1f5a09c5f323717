/** CPU twin of addInPlace: y + x element by element (in f32, as the kernel rounds). */
export function addRef(y: ArrayLike<number>, x: ArrayLike<number>): Float32Array {
  return Float32Array.from(y, (v, i) => v + x[i]);
}
