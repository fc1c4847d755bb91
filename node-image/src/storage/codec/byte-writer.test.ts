import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from './byte-writer.ts';

describe('ByteWriter', () => {
  it('writes and overwrites u32 as Buffer.writeUInt32BE does (of the value as an unsigned 32-bit integer)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 50 }), fc.nat(), (values, at) => {
      const w = new ByteWriter(8); // grows while writing
      const expected = Buffer.alloc(values.length * 4);
      values.forEach((v, i) => {
        w.u32(v);
        expected.writeUInt32BE(v >>> 0, i * 4);
      });
      const i = at % values.length;
      w.u32At(i * 4, ~values[i]!);
      expected.writeUInt32BE(~values[i]! >>> 0, i * 4);
      expect(w.view()).toEqual(expected);
    }));
  });
});
