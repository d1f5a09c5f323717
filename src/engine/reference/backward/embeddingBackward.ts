/**
 * CPU twin of embeddingBackward, in f64: the gather h[t] = E[token[t]] sends its gradient back as
 * dE[token[t], :] += dh[t, :]. Shapes: dh [T, D], tokens [T], dE [V, D] (returned as the increment).
 * Ids ≥ V are skipped, as the kernel skips them (padding).
 */
export function embeddingBackwardRef(
  dh: ArrayLike<number>,
  tokens: ArrayLike<number>,
  V: number,
  D: number,
): Float64Array {
  const de = new Float64Array(V * D);
  for (let t = 0; t < tokens.length; t++) {
    const id = tokens[t];
    if (id >= V) continue;
    for (let d = 0; d < D; d++) de[id * D + d] += dh[t * D + d];
  }
  return de;
}
