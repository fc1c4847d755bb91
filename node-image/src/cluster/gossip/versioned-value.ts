// Gossip values and their string formats (Cassandra VersionedValue / VersionedValueFactory):
// STATUS values "BOOT,<token>", "NORMAL,<token>", "LEFT,<token>,<expireMs>", "removing,<hostId>",
// "shutdown,true"... (only the first token appears in STATUS), and TOKENS as TokenSerializer bytes
// ([int32 length 8][8-byte big-endian token]... [int32 0]) carried as an ISO-8859-1 string.
import { ClusterError, ClusterErrorCode } from '../errors.ts';
import { type HostId, hostId as toHostId } from '../endpoint.ts';
import { MAX_TOKEN, MIN_TOKEN, type Token } from '../token-range.ts';

export interface VersionedValue {
  readonly value: string;
  readonly version: number;
}

export const GossipStatus = {
  Boot: 'BOOT',
  BootReplace: 'BOOT_REPLACE',
  Normal: 'NORMAL',
  Leaving: 'LEAVING',
  Left: 'LEFT',
  Moving: 'MOVING',
  Removing: 'removing',
  Removed: 'removed',
  Hibernate: 'hibernate',
  Shutdown: 'shutdown',
} as const;
export type GossipStatusName = (typeof GossipStatus)[keyof typeof GossipStatus];

/** States after which an endpoint is not marked alive (Gossiper.DEAD_STATES). */
export const DEAD_STATES: ReadonlySet<string> = new Set([GossipStatus.Removing, GossipStatus.Removed, GossipStatus.Left, GossipStatus.Hibernate]);
/** Dead states plus bootstrapping ones: no shutdown is announced from these. */
export const SILENT_SHUTDOWN_STATES: ReadonlySet<string> = new Set([...DEAD_STATES, GossipStatus.Boot, GossipStatus.BootReplace]);

const DELIMITER = ',';
/** Largest token count a TOKENS value may carry (num_tokens is at most a few hundred). */
export const GOSSIP_TOKENS_MAX = 16_384;

function firstToken(tokens: readonly Token[]): string {
  if (tokens.length === 0) throw new ClusterError(ClusterErrorCode.BadApplicationState, 'a status needs at least one token');
  return String(tokens[0]);
}

// ---- STATUS builders -----------------------------------------------------------------------------
export const statusBootstrapping = (tokens: readonly Token[]): string => `${GossipStatus.Boot},${firstToken(tokens)}`;
export const statusBootReplace = (replacedAddress: string): string => `${GossipStatus.BootReplace},${replacedAddress}`;
export const statusNormal = (tokens: readonly Token[]): string => `${GossipStatus.Normal},${firstToken(tokens)}`;
export const statusLeaving = (tokens: readonly Token[]): string => `${GossipStatus.Leaving},${firstToken(tokens)}`;
export const statusLeft = (tokens: readonly Token[], expireAtMs: number): string => `${GossipStatus.Left},${firstToken(tokens)},${expireAtMs}`;
export const statusMoving = (to: Token): string => `${GossipStatus.Moving},${to}`;
export const statusRemoving = (id: HostId): string => `${GossipStatus.Removing},${id}`;
export const statusRemoved = (id: HostId, expireAtMs: number): string => `${GossipStatus.Removed},${id},${expireAtMs}`;
export const statusHibernate = (): string => `${GossipStatus.Hibernate},true`;
export const statusShutdown = (): string => `${GossipStatus.Shutdown},true`;
/** REMOVAL_COORDINATOR value. */
export const removalCoordinator = (coordinator: HostId): string => `REMOVER,${coordinator}`;

export type ParsedStatus =
  | { readonly kind: 'BOOT' | 'NORMAL' | 'LEAVING' | 'MOVING'; readonly token: Token }
  | { readonly kind: 'BOOT_REPLACE'; readonly replacedAddress: string }
  | { readonly kind: 'LEFT'; readonly token: Token; readonly expireAtMs: number }
  | { readonly kind: 'removing'; readonly hostId: HostId }
  | { readonly kind: 'removed'; readonly hostId: HostId; readonly expireAtMs: number }
  | { readonly kind: 'hibernate' | 'shutdown' }
  | { readonly kind: 'unknown'; readonly raw: string };

/** The status name: the value's first comma-separated piece (Gossiper.getGossipStatus). */
export function statusName(value: string): string {
  const comma = value.indexOf(DELIMITER);
  return comma < 0 ? value : value.slice(0, comma);
}

function parseTokenPiece(text: string | undefined): Token | null {
  if (text === undefined || !/^-?\d{1,19}$/.test(text)) return null;
  const v = BigInt(text);
  return v >= MIN_TOKEN && v <= MAX_TOKEN ? (v as Token) : null;
}

function parseMillis(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d{1,16}$/.test(text)) return null;
  return Number(text);
}

function parseHostIdPiece(text: string | undefined): HostId | null {
  try {
    return text === undefined ? null : toHostId(text);
  } catch {
    return null;
  }
}

/** Parses a STATUS / STATUS_WITH_PORT value; anything malformed comes back as { kind: 'unknown' }. */
export function parseStatus(value: string): ParsedStatus {
  const pieces = value.split(DELIMITER);
  const unknown = { kind: 'unknown', raw: value } as const;
  switch (pieces[0]) {
    case GossipStatus.Boot:
    case GossipStatus.Normal:
    case GossipStatus.Leaving:
    case GossipStatus.Moving: {
      const t = parseTokenPiece(pieces[1]);
      return t === null ? unknown : { kind: pieces[0], token: t };
    }
    case GossipStatus.BootReplace:
      return pieces[1] === undefined || pieces[1] === '' ? unknown : { kind: 'BOOT_REPLACE', replacedAddress: pieces[1] };
    case GossipStatus.Left: {
      const t = parseTokenPiece(pieces[1]);
      const expire = parseMillis(pieces[2]);
      return t === null || expire === null ? unknown : { kind: 'LEFT', token: t, expireAtMs: expire };
    }
    case GossipStatus.Removing: {
      const id = parseHostIdPiece(pieces[1]);
      return id === null ? unknown : { kind: 'removing', hostId: id };
    }
    case GossipStatus.Removed: {
      const id = parseHostIdPiece(pieces[1]);
      const expire = parseMillis(pieces[2]);
      return id === null || expire === null ? unknown : { kind: 'removed', hostId: id, expireAtMs: expire };
    }
    case GossipStatus.Hibernate:
    case GossipStatus.Shutdown:
      return { kind: pieces[0] };
    default:
      return unknown;
  }
}

/** The expire time carried by LEFT and removed statuses, or null. */
export function statusExpireTimeMs(value: string): number | null {
  const parsed = parseStatus(value);
  return parsed.kind === 'LEFT' || parsed.kind === 'removed' ? parsed.expireAtMs : null;
}

// ---- TOKENS -------------------------------------------------------------------------------------
const TOKEN_BYTES = 8;

/** TokenSerializer bytes of the tokens as an ISO-8859-1 string (one char per byte). */
export function encodeTokens(tokens: readonly Token[]): string {
  const bytes = new Uint8Array(tokens.length * (4 + TOKEN_BYTES) + 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const t of tokens) {
    view.setInt32(offset, TOKEN_BYTES);
    view.setBigInt64(offset + 4, t);
    offset += 4 + TOKEN_BYTES;
  }
  view.setInt32(offset, 0);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** Inverse of encodeTokens; throws ClusterError(BadApplicationState) on malformed input. */
export function decodeTokens(value: string): Token[] {
  const bad = (why: string): ClusterError => new ClusterError(ClusterErrorCode.BadApplicationState, `bad TOKENS value: ${why}`);
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) throw bad('not an ISO-8859-1 string');
    bytes[i] = c;
  }
  const view = new DataView(bytes.buffer);
  const tokens: Token[] = [];
  let offset = 0;
  for (;;) {
    if (offset + 4 > bytes.length) throw bad('truncated length');
    const size = view.getInt32(offset);
    offset += 4;
    if (size < 1) break;
    if (size !== TOKEN_BYTES) throw bad(`token of ${size} bytes`);
    if (offset + TOKEN_BYTES > bytes.length) throw bad('truncated token');
    if (tokens.length >= GOSSIP_TOKENS_MAX) throw bad(`more than ${GOSSIP_TOKENS_MAX} tokens`);
    tokens.push(view.getBigInt64(offset) as Token);
    offset += TOKEN_BYTES;
  }
  if (offset !== bytes.length) throw bad('trailing bytes');
  return tokens;
}

// ---- other values -------------------------------------------------------------------------------

/** Java's Double.toString for a non-negative finite double (LOAD is gossiped this way). */
export function javaDoubleString(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
