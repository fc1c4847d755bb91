import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../lib/index.ts';
import { hashPassword, isPasswordHash, verifyPassword } from './password-hash.ts';

describe('password hashes', () => {
  it('verifies the password it was made from and nothing else', async () => {
    const random = new SeededRandom(7);
    const hash = await hashPassword('cassandra', random);
    expect(hash).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('cassandra', hash)).toBe(true);
    expect(await verifyPassword('Cassandra', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const random = new SeededRandom(8);
    const a = await hashPassword('pw', random);
    const b = await hashPassword('pw', random);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pw', a)).toBe(true);
    expect(await verifyPassword('pw', b)).toBe(true);
  });

  it('never verifies what it cannot parse, nor costs above the bounds', async () => {
    const bcrypt = '$2a$10$Z8ia31zUfu1cvAMBxaudJu/HcjrfT1ptq302xjFU8UxrA6CAN9rIG';
    expect(isPasswordHash(bcrypt)).toBe(false);
    expect(await verifyPassword('cassandra', bcrypt)).toBe(false);
    const salt = Buffer.alloc(16, 1).toString('base64').replace(/=+$/, '');
    const hash = Buffer.alloc(32, 2).toString('base64').replace(/=+$/, '');
    expect(isPasswordHash(`$scrypt$ln=14,r=8,p=1$${salt}$${hash}`)).toBe(true);
    expect(isPasswordHash(`$scrypt$ln=30,r=8,p=1$${salt}$${hash}`)).toBe(false);
    expect(isPasswordHash(`$scrypt$ln=14,r=99,p=1$${salt}$${hash}`)).toBe(false);
    expect(isPasswordHash(`$scrypt$ln=14,r=8,p=9$${salt}$${hash}`)).toBe(false);
    expect(isPasswordHash(`$scrypt$ln=14,r=8,p=1$AA$${hash}`)).toBe(false);
    expect(await verifyPassword('x', `$scrypt$ln=30,r=8,p=1$${salt}$${hash}`)).toBe(false);
  });

  it('round-trips arbitrary passwords (property)', async () => {
    const random = new SeededRandom(9);
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), async (password, other) => {
      const hash = await hashPassword(password, random);
      expect(await verifyPassword(password, hash)).toBe(true);
      expect(await verifyPassword(other, hash)).toBe(other === password);
    }), { numRuns: 4 });
  });
});
