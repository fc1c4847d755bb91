// cassandra-stress's default schema and workload: keyspace1.standard1 with a 10-byte blob key and
// five 34-byte blob columns "C0".."C4", compression off, prepared INSERT/SELECT at LOCAL_ONE.
// Keys are a bijection of the request index (unique for i < 2^32); values come from a seeded pool.

export const STRESS_KEYSPACE = 'keyspace1';
export const STRESS_TABLE = 'standard1';
export const STRESS_KEY_SIZE_BYTES = 10;
export const STRESS_VALUE_SIZE_BYTES = 34;
export const STRESS_COLUMN_COUNT = 5;
const VALUE_POOL_SIZE = 256;

export function stressSchemaCql(replicationFactor: number): string[] {
  const columns = Array.from({ length: STRESS_COLUMN_COUNT }, (_, c) => `"C${c}" blob`).join(', ');
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${STRESS_KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}} AND durable_writes = true`,
    `CREATE TABLE IF NOT EXISTS ${STRESS_KEYSPACE}.${STRESS_TABLE} (key blob PRIMARY KEY, ${columns}) WITH compression = {'enabled': 'false'}`,
  ];
}

export const STRESS_INSERT_CQL = `INSERT INTO ${STRESS_KEYSPACE}.${STRESS_TABLE} (key, "C0", "C1", "C2", "C3", "C4") VALUES (?, ?, ?, ?, ?, ?)`;
export const STRESS_SELECT_CQL = `SELECT * FROM ${STRESS_KEYSPACE}.${STRESS_TABLE} WHERE key = ?`;

/** Murmur3's 32-bit finalizer: a bijection on uint32. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The 10-byte key of population member n. */
export function stressKey(n: number): Buffer {
  const key = Buffer.allocUnsafe(STRESS_KEY_SIZE_BYTES);
  key.writeUInt32BE(fmix32(n), 0);
  key.writeUInt32BE(fmix32(n ^ 0x9e3779b9), 4);
  key.writeUInt16BE(Math.floor(n / 2 ** 32) & 0xffff, 8);
  return key;
}

/** Seeded xorshift32 stream of uniform integers in [0, bound). */
export function uniformInts(seed: number): (bound: number) => number {
  let state = fmix32(seed) || 1;
  return (bound: number): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

export interface StressWorkload {
  /** Bound values of an INSERT of population member n. */
  insertParams(n: number): unknown[];
  /** Bound values of a SELECT of population member n. */
  selectParams(n: number): unknown[];
}

export function stressWorkload(seed: number): StressWorkload {
  const next = uniformInts(seed);
  const pool = Array.from({ length: VALUE_POOL_SIZE }, () => {
    const value = Buffer.allocUnsafe(STRESS_VALUE_SIZE_BYTES);
    for (let b = 0; b < STRESS_VALUE_SIZE_BYTES; b++) value[b] = next(256);
    return value;
  });
  return {
    insertParams(n: number): unknown[] {
      const base = (n * STRESS_COLUMN_COUNT) % VALUE_POOL_SIZE;
      return [
        stressKey(n),
        pool[base],
        pool[(base + 1) % VALUE_POOL_SIZE],
        pool[(base + 2) % VALUE_POOL_SIZE],
        pool[(base + 3) % VALUE_POOL_SIZE],
        pool[(base + 4) % VALUE_POOL_SIZE],
      ];
    },
    selectParams(n: number): unknown[] {
      return [stressKey(n)];
    },
  };
}
