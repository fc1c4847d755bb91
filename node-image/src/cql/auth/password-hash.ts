// Salted password hashes kept in system_auth.roles.salted_hash: scrypt (node:crypto, run on the
// libuv thread pool) in the PHC string form `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` (unpadded
// base64). Verification compares in constant time and refuses cost parameters above fixed bounds,
// so a hash supplied with HASHED PASSWORD cannot make a login burn unbounded CPU or memory.
// Cassandra's bcrypt hashes ($2a$...) are not understood: they never verify.
import { scrypt, timingSafeEqual } from 'node:crypto';
import type { Random } from '../../io/index.ts';

/** log2 of scrypt's N for new hashes: ~16 MiB and tens of milliseconds per hash. */
export const SCRYPT_LOG_N = 14;
export const SCRYPT_BLOCK_SIZE = 8;
export const SCRYPT_PARALLELISM = 1;
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;
/** Bounds on the parameters of a stored hash (64 MiB of scrypt memory at most). */
export const SCRYPT_LOG_N_MAX = 16;
export const SCRYPT_BLOCK_SIZE_MAX = 16;
export const SCRYPT_PARALLELISM_MAX = 4;
const SALT_BYTES_MIN = 8;
const SALT_BYTES_MAX = 64;
const HASH_BYTES_MIN = 16;
const HASH_BYTES_MAX = 64;

const PHC_RE = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface ParsedHash {
  readonly logN: number;
  readonly blockSize: number;
  readonly parallelism: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function parseHash(text: string): ParsedHash | null {
  const m = PHC_RE.exec(text);
  if (m === null) return null;
  const logN = Number(m[1]);
  const blockSize = Number(m[2]);
  const parallelism = Number(m[3]);
  const salt = Buffer.from(m[4]!, 'base64');
  const hash = Buffer.from(m[5]!, 'base64');
  if (logN < 1 || logN > SCRYPT_LOG_N_MAX || blockSize < 1 || blockSize > SCRYPT_BLOCK_SIZE_MAX) return null;
  if (parallelism < 1 || parallelism > SCRYPT_PARALLELISM_MAX) return null;
  if (salt.length < SALT_BYTES_MIN || salt.length > SALT_BYTES_MAX || hash.length < HASH_BYTES_MIN || hash.length > HASH_BYTES_MAX) return null;
  return { logN, blockSize, parallelism, salt, hash };
}

/** True when `text` is a hash this module can verify (HASHED PASSWORD validation). */
export function isPasswordHash(text: string): boolean {
  return parseHash(text) !== null;
}

function derive(password: string, p: Omit<ParsedHash, 'hash'>, keyBytes: number): Promise<Buffer> {
  const n = 2 ** p.logN;
  return new Promise((resolve, reject) => {
    scrypt(password, p.salt, keyBytes, { N: n, r: p.blockSize, p: p.parallelism, maxmem: 256 * n * p.blockSize }, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

/** A new salted hash of `password` (salt from the injected random source). */
export async function hashPassword(password: string, random: Random): Promise<string> {
  const salt = Buffer.alloc(SALT_BYTES);
  random.fillBytes(salt);
  const params = { logN: SCRYPT_LOG_N, blockSize: SCRYPT_BLOCK_SIZE, parallelism: SCRYPT_PARALLELISM, salt };
  const hash = await derive(password, params, HASH_BYTES);
  return `$scrypt$ln=${SCRYPT_LOG_N},r=${SCRYPT_BLOCK_SIZE},p=${SCRYPT_PARALLELISM}$${b64(salt)}$${b64(hash)}`;
}

/** Whether `password` matches `stored`; false for anything that is not a valid scrypt hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === null) return false;
  const derived = await derive(password, parsed, parsed.hash.length);
  return timingSafeEqual(derived, parsed.hash);
}
