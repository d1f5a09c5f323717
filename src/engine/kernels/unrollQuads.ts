// Loop unrolling over a head's quads for the emulator family's attention kernels. SwiftShader compiles a loop as
// written (WGSL has no unroll hint and no pass of its unrolls one), and a private array indexed by a loop variable
// is read and written lane by lane through memory; with constant indices the same array lives in registers. The
// kernels keep their readable loops; the wrappers unroll them for the head size they run.

const QUAD_LOOP = /for \(var (\w+) = 0u; \1 < QUADS; \1\+\+\) \{/g;

/**
 * `code` with each `for (var i = 0u; i < QUADS; i++) { body }` replaced by `quads` copies of `{ body }`, the k-th
 * with the loop variable replaced by the constant k (`ku`). Bodies may nest braces but not another quad loop.
 */
export function unrollQuadLoops(code: string, quads: number): string {
  let out = '';
  let from = 0;
  for (const match of code.matchAll(QUAD_LOOP)) {
    if (match.index < from) throw new Error('unrollQuadLoops: a quad loop inside another');
    const open = match.index + match[0].length;
    const close = matchingBrace(code, open);
    const body = code.slice(open, close);
    const variable = new RegExp(`\\b${match[1]}\\b`, 'g');
    const copies = Array.from({ length: quads }, (_, k) => `{${body.replace(variable, `${k}u`)}}`);
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
