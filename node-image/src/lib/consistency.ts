// Consistency levels with their native-protocol codes (cassandra-internals.md section 4.1).

export const ConsistencyLevel = {
  ANY: 0x00,
  ONE: 0x01,
  TWO: 0x02,
  THREE: 0x03,
  QUORUM: 0x04,
  ALL: 0x05,
  LOCAL_QUORUM: 0x06,
  EACH_QUORUM: 0x07,
  SERIAL: 0x08,
  LOCAL_SERIAL: 0x09,
  LOCAL_ONE: 0x0a,
} as const;
export type ConsistencyLevel = (typeof ConsistencyLevel)[keyof typeof ConsistencyLevel];

const NAMES = new Map<number, string>(Object.entries(ConsistencyLevel).map(([name, code]) => [code, name]));

export function consistencyName(level: ConsistencyLevel): string {
  return NAMES.get(level) ?? `UNKNOWN(${level})`;
}

export function isConsistencyLevel(code: number): code is ConsistencyLevel {
  return NAMES.has(code);
}

export function isSerial(level: ConsistencyLevel): boolean {
  return level === ConsistencyLevel.SERIAL || level === ConsistencyLevel.LOCAL_SERIAL;
}
