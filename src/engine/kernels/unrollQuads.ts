// Loop unrolling for the emulator family's attention kernels. SwiftShader compiles a loop as written (WGSL has
// no unroll hint and no pass of its unrolls one), and a private array indexed by a loop variable is read and
// written lane by lane through memory; with constant indices the same array lives in registers. The kernels keep
// their readable loops over a head's quads (`i < QUADS`) and a thread's rows (`r < ROWS`); the wrappers unroll
// them for the sizes they run.

/**
 * `code` with each `for (var i = 0u; i < QUADS; i++) { body }` replaced by `quads` copies of `{ body }` (and each
 * such loop to ROWS by `rows` copies), the k-th with the loop variable replaced by the constant k (`ku`); loops
 * nested in a body are unrolled too.
 */
export function unrollQuadLoops(code: string, quads: number, rows = 1): string {
  let byCode = unrolled.get(code);
  if (!byCode) unrolled.set(code, (byCode = new Map()));
  const key = `${quads},${rows}`;
  let out = byCode.get(key);
  if (out === undefined) byCode.set(key, (out = unroll(code, quads, rows)));
  return out;
}

/** Kept per source and sizes: a dispatch looks its pipeline up by this string, and a new string costs a hash. */
const unrolled = new Map<string, Map<string, string>>();

function unroll(code: string, quads: number, rows: number): string {
  const loop = /for \(var (\w+) = 0u; \1 < (QUADS|ROWS); \1\+\+\) \{/g;
  let out = '';
  let from = 0;
  for (const match of code.matchAll(loop)) {
    if (match.index < from) continue; // nested in a body unrolled above
    const open = match.index + match[0].length;
    const close = matchingBrace(code, open);
    const body = unroll(code.slice(open, close), quads, rows);
    const variable = new RegExp(`\\b${match[1]}\\b`, 'g');
    const n = match[2] === 'QUADS' ? quads : rows;
    const copies = Array.from({ length: n }, (_, k) => `{${body.replace(variable, `${k}u`)}}`);
    out += code.slice(from, match.index) + copies.join(' ');
    from = close + 1;
  }
  return out + code.slice(from);
}

/** The index of the `}` closing the block whose body starts at `start` (just past its `{`). */
function matchingBrace(code: string, start: number): number {
  let depth = 1;
  for (let i = start; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return i;
  }
  throw new Error('unrollQuadLoops: a quad loop without its closing brace');
}
