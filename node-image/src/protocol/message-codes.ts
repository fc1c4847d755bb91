// Opcodes, RESULT kinds and metadata flags of native protocol v4 (docs/formats/native-protocol.md).

export const Opcode = {
  Error: 0x00,
  Startup: 0x01,
  Ready: 0x02,
  Authenticate: 0x03,
  Options: 0x05,
  Supported: 0x06,
  Query: 0x07,
  Result: 0x08,
  Prepare: 0x09,
  Execute: 0x0a,
  Register: 0x0b,
  Event: 0x0c,
  Batch: 0x0d,
  AuthChallenge: 0x0e,
  AuthResponse: 0x0f,
  AuthSuccess: 0x10,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

export const ResultKind = {
  Void: 0x0001,
  Rows: 0x0002,
  SetKeyspace: 0x0003,
  Prepared: 0x0004,
  SchemaChange: 0x0005,
} as const;

export const RowsFlag = {
  GlobalTablesSpec: 0x0001,
  HasMorePages: 0x0002,
  NoMetadata: 0x0004,
} as const;

/** QUERY / EXECUTE parameter flags ([byte] in v4). */
export const QueryFlag = {
  Values: 0x01,
  SkipMetadata: 0x02,
  PageSize: 0x04,
  WithPagingState: 0x08,
  SerialConsistency: 0x10,
  DefaultTimestamp: 0x20,
  ValueNames: 0x40,
} as const;
export const QUERY_FLAGS_V4_ALL = 0x7f;

/** BATCH flags ([byte] in v4); 0x40 (names) is defined but cannot be decoded, so it is refused. */
export const BatchFlag = {
  SerialConsistency: 0x10,
  DefaultTimestamp: 0x20,
  ValueNames: 0x40,
} as const;
export const BATCH_FLAGS_V4_ALL = 0x70;

export const BatchChildKind = {
  Query: 0,
  Prepared: 1,
} as const;

export const BATCH_TYPES = ['logged', 'unlogged', 'counter'] as const;

export const EventType = {
  TopologyChange: 'TOPOLOGY_CHANGE',
  StatusChange: 'STATUS_CHANGE',
  SchemaChange: 'SCHEMA_CHANGE',
} as const;
export type EventTypeName = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPE_NAMES: readonly string[] = Object.values(EventType);
