// Git's delta format, as pack files store most objects: the sizes of the base and of the
// result (each a little-endian base-128 number), then instructions that either copy a range
// of the base or insert bytes carried in the delta itself.

/** A delta that does not fit its base or its own header: the pack is not what it claims. */
export class BadDelta extends Error {
  override readonly name = 'BadDelta';
}

function varint(delta: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= delta.length || shift > 49) throw new BadDelta('the delta ends inside its header');
    const byte = delta[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return { value, next: at };
  }
}

/** The sizes a delta's header gives (of its base and of its result), and where its instructions start. */
export function deltaSizes(delta: Uint8Array): { base: number; result: number; start: number } {
  const base = varint(delta, 0);
  const result = varint(delta, base.next);
  return { base: base.value, result: result.value, start: result.next };
}

/** The object `delta` makes of `base`. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const sizes = deltaSizes(delta);
  if (sizes.base !== base.length) throw new BadDelta(`the delta is for a base of ${sizes.base} bytes, not ${base.length}`);
  const out = Buffer.allocUnsafe(sizes.result);
  let written = 0;
  let at = sizes.start;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      // Copy: bits 0-3 say which offset bytes follow, bits 4-6 which size bytes.
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit += 1) if (op & (1 << bit)) offset += delta[at++]! * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit += 1) if (op & (0x10 << bit)) size += delta[at++]! * 2 ** (8 * bit);
      if (size === 0) size = 0x10000;
      if (at > delta.length || offset + size > base.length || written + size > out.length)
        throw new BadDelta('a copy outside the base or the result');
      base.copy(out, written, offset, offset + size);
      written += size;
    } else if (op) {
      // Insert the next `op` bytes.
      if (at + op > delta.length || written + op > out.length) throw new BadDelta('an insert past the end of the delta or the result');
      delta.copy(out, written, at, at + op);
      written += op;
      at += op;
    } else {
      throw new BadDelta('a reserved instruction');
    }
  }
  if (written !== out.length) throw new BadDelta(`the delta made ${written} bytes, not ${out.length}`);
  return out;
}
