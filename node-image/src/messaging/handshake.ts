// The first bytes on an internode connection (docs/formats/messaging.md): the connecting node sends
// HELLO (messaging version, its own internode address, cluster name); the accepting node answers
// ACCEPT (its address) or REFUSE (a reason) and closes. Layout: [u32 magic "CSMG"][u8 version]
// [u8 kind][u16 body length][u32 crc32 of body][body], strings as [u16 length][UTF-8].
// Invariant: the reader consumes exactly one handshake message and returns the bytes after it.
import { crc32 } from 'node:zlib';
import { assert } from '../lib/index.ts';
import { MESSAGING_VERSION } from './frame-codec.ts';
import { MessagingError } from './messaging-service.ts';

export const HANDSHAKE_MAGIC = 0x43534d47; // "CSMG"
export const HANDSHAKE_HEADER_BYTES = 12;
export const HANDSHAKE_BODY_BYTES_MAX = 4096;
export const HandshakeKind = { Hello: 1, Accept: 2, Refuse: 3 } as const;

export type HandshakeMessage =
  | { readonly kind: 'hello'; readonly version: number; readonly address: string; readonly clusterName: string }
  | { readonly kind: 'accept'; readonly version: number; readonly address: string }
  | { readonly kind: 'refuse'; readonly version: number; readonly reason: string };

function writeStrings(strings: readonly string[]): Buffer {
  const parts = strings.map((s) => Buffer.from(s, 'utf8'));
  const body = Buffer.allocUnsafe(parts.reduce((n, p) => n + 2 + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    assert(p.length <= 0xffff, 'handshake string too long');
    body.writeUInt16BE(p.length, offset);
    p.copy(body, offset + 2);
    offset += 2 + p.length;
  }
  return body;
}

export function encodeHandshake(message: HandshakeMessage): Buffer {
  let kind: number;
  let body: Buffer;
  switch (message.kind) {
    case 'hello': kind = HandshakeKind.Hello; body = writeStrings([message.address, message.clusterName]); break;
    case 'accept': kind = HandshakeKind.Accept; body = writeStrings([message.address]); break;
    case 'refuse': kind = HandshakeKind.Refuse; body = writeStrings([message.reason.slice(0, 1024)]); break;
  }
  assert(body.length <= HANDSHAKE_BODY_BYTES_MAX, 'handshake body too large');
  const out = Buffer.allocUnsafe(HANDSHAKE_HEADER_BYTES + body.length);
  out.writeUInt32BE(HANDSHAKE_MAGIC, 0);
  out.writeUInt8(message.version, 4);
  out.writeUInt8(kind, 5);
  out.writeUInt16BE(body.length, 6);
  out.writeUInt32BE(crc32(body) >>> 0, 8);
  body.copy(out, HANDSHAKE_HEADER_BYTES);
  return out;
}

export function helloMessage(address: string, clusterName: string): HandshakeMessage {
  return { kind: 'hello', version: MESSAGING_VERSION, address, clusterName };
}

function bad(why: string): MessagingError {
  return new MessagingError('MSG_ERR_BAD_MESSAGE', `bad internode handshake: ${why}`);
}

function readStrings(body: Buffer, count: number): string[] {
  const out: string[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 2 > body.length) throw bad('truncated string length');
    const n = body.readUInt16BE(offset);
    if (offset + 2 + n > body.length) throw bad('truncated string');
    out.push(body.toString('utf8', offset + 2, offset + 2 + n));
    offset += 2 + n;
  }
  if (offset !== body.length) throw bad('trailing bytes');
  return out;
}

/** Accumulates bytes until one handshake message is complete. */
export class HandshakeReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** The message and the bytes that followed it, or null when more bytes are needed. Throws on garbage. */
  push(chunk: Buffer): { message: HandshakeMessage; rest: Buffer } | null {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const b = this.buffered;
    if (b.length >= 4 && b.readUInt32BE(0) !== HANDSHAKE_MAGIC) throw bad('not a Cassia internode connection (wrong magic)');
    if (b.length < HANDSHAKE_HEADER_BYTES) return null;
    const bodyLength = b.readUInt16BE(6);
    if (bodyLength > HANDSHAKE_BODY_BYTES_MAX) throw bad(`body of ${bodyLength} bytes`);
    const end = HANDSHAKE_HEADER_BYTES + bodyLength;
    if (b.length < end) return null;
    const body = b.subarray(HANDSHAKE_HEADER_BYTES, end);
    if ((crc32(body) >>> 0) !== b.readUInt32BE(8)) throw bad('checksum mismatch');
    const version = b.readUInt8(4);
    const kind = b.readUInt8(5);
    let message: HandshakeMessage;
    if (kind === HandshakeKind.Hello) {
      const [address, clusterName] = readStrings(body, 2) as [string, string];
      message = { kind: 'hello', version, address, clusterName };
    } else if (kind === HandshakeKind.Accept) {
      message = { kind: 'accept', version, address: readStrings(body, 1)[0]! };
    } else if (kind === HandshakeKind.Refuse) {
      message = { kind: 'refuse', version, reason: readStrings(body, 1)[0]! };
    } else {
      throw bad(`unknown kind ${kind}`);
    }
    const rest = b.subarray(end);
    this.buffered = Buffer.alloc(0);
    return { message, rest };
  }
}
