/**
 * CPU twin of writeKv for one of K or V: row r of src [R, srcRowStride] (from column colOffset, kvDim wide) lands
 * on cache row keys[2r] + keys[2r + 1] − 1 of cache [rows, kvDim], which is updated in place.
 */
export function writeKvRef(
  cache: Float32Array,
  src: ArrayLike<number>,
  keys: ArrayLike<number>,
  kvDim: number,
  srcRowStride = kvDim,
  colOffset = 0,
): void {
  for (let r = 0; r < keys.length / 2; r++) {
    const row = keys[2 * r] + keys[2 * r + 1] - 1;
    for (let c = 0; c < kvDim; c++) cache[row * kvDim + c] = src[r * srcRowStride + colOffset + c];
  }
}
