import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NATIVE_TYPE_NAMES } from '../schema/index.ts';
import type { CqlType } from '../schema/index.ts';
import { BodyReader, MalformedBodyError } from './body-reader.ts';
import { BodyWriter } from './body-writer.ts';
import { DURATION_CUSTOM_CLASS, TYPE_OPTION_DEPTH_MAX, readTypeOption, writeTypeOption } from './type-option-codec.ts';

const nameArb = fc.string({ minLength: 1, maxLength: 12 });
const { type: typeArb } = fc.letrec<{ type: CqlType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...NATIVE_TYPE_NAMES).map((name): CqlType => ({ kind: 'native', name })),
    fc.record({ kind: fc.constant('list' as const), element: tie('type'), frozen: fc.boolean() }),
    fc.record({ kind: fc.constant('set' as const), element: tie('type'), frozen: fc.boolean() }),
    fc.record({ kind: fc.constant('map' as const), key: tie('type'), value: tie('type'), frozen: fc.boolean() }),
    fc.record({ kind: fc.constant('tuple' as const), elements: fc.array(tie('type'), { minLength: 1, maxLength: 4 }) }),
    fc.array(fc.tuple(nameArb, tie('type')), { minLength: 1, maxLength: 4 }).chain((fields) =>
      fc.record({
        kind: fc.constant('udt' as const),
        keyspace: nameArb,
        name: nameArb,
        fieldNames: fc.constant(fields.map(([n]) => n)),
        fieldTypes: fc.constant(fields.map(([, t]) => t)),
        frozen: fc.boolean(),
      })),
    nameArb.filter((c) => c !== DURATION_CUSTOM_CLASS).map((className): CqlType => ({ kind: 'custom', className })),
  ),
}));

/** What survives the wire: frozenness is not encoded. */
function unfrozen(type: CqlType): CqlType {
  switch (type.kind) {
    case 'native':
    case 'custom':
      return type;
    case 'list':
    case 'set':
      return { kind: type.kind, element: unfrozen(type.element), frozen: false };
    case 'map':
      return { kind: 'map', key: unfrozen(type.key), value: unfrozen(type.value), frozen: false };
    case 'tuple':
      return { kind: 'tuple', elements: type.elements.map(unfrozen) };
    case 'udt':
      return { ...type, fieldTypes: type.fieldTypes.map(unfrozen), frozen: false };
  }
}

function encode(type: CqlType): Buffer {
  const writer = new BodyWriter(8);
  writeTypeOption(writer, type);
  return writer.finish();
}

describe('type options', () => {
  it('round-trip every CQL type (modulo frozen)', () => {
    fc.assert(
      fc.property(typeArb, (type) => {
        const reader = new BodyReader().reset(encode(type));
        expect(readTypeOption(reader)).toEqual(unfrozen(type));
        expect(reader.remaining).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('uses the v4 ids', () => {
    const hex = (type: CqlType): string => encode(type).toString('hex');
    expect(hex({ kind: 'native', name: 'text' })).toBe('000d');
    expect(hex({ kind: 'native', name: 'ascii' })).toBe('0001');
    expect(hex({ kind: 'native', name: 'counter' })).toBe('0005');
    expect(hex({ kind: 'native', name: 'tinyint' })).toBe('0014');
    expect(hex({ kind: 'list', element: { kind: 'native', name: 'int' }, frozen: true })).toBe('00200009');
    expect(hex({ kind: 'map', key: { kind: 'native', name: 'text' }, value: { kind: 'native', name: 'blob' }, frozen: false }))
      .toBe('0021000d0003');
    expect(hex({ kind: 'set', element: { kind: 'native', name: 'uuid' }, frozen: false })).toBe('0022000c');
    expect(hex({ kind: 'tuple', elements: [{ kind: 'native', name: 'int' }, { kind: 'native', name: 'text' }] })).toBe('003100020009000d');
    expect(hex({ kind: 'udt', keyspace: 'k', name: 'u', fieldNames: ['a'], fieldTypes: [{ kind: 'native', name: 'int' }], frozen: true }))
      .toBe('0030' + '00016b' + '000175' + '0001' + '000161' + '0009');
  });

  it('sends duration as Custom DurationType in v4', () => {
    const bytes = encode({ kind: 'native', name: 'duration' });
    expect(bytes.readUInt16BE(0)).toBe(0);
    expect(new BodyReader().reset(bytes.subarray(2)).readString()).toBe('org.apache.cassandra.db.marshal.DurationType');
  });

  it('refuses unknown ids and hostile nesting', () => {
    expect(() => readTypeOption(new BodyReader().reset(Buffer.from([0x00, 0x99])))).toThrow(MalformedBodyError);
    const deep = Buffer.alloc((TYPE_OPTION_DEPTH_MAX + 5) * 2);
    for (let i = 0; i < TYPE_OPTION_DEPTH_MAX + 5; i++) deep.writeUInt16BE(0x20, i * 2);
    expect(() => readTypeOption(new BodyReader().reset(deep))).toThrow(MalformedBodyError);
  });
});
