// Asks a node whether it serves CQL with a real native-protocol v4 handshake: OPTIONS must be
// answered by SUPPORTED, then STARTUP by READY (or AUTHENTICATE when a password is required).
// One connection per probe, closed before the probe resolves; bounded by a timeout.
import { connect } from 'node:net';

/** Native protocol v4 request frame version byte. */
const REQUEST_VERSION = 0x04;
const HEADER_BYTES = 9;
/** Answers larger than this are not a CQL node's SUPPORTED/READY. */
const RESPONSE_BODY_BYTES_MAX = 64 * 1024;
const OPCODE = { error: 0x00, startup: 0x01, ready: 0x02, authenticate: 0x03, options: 0x05, supported: 0x06 } as const;

export const PROBE_TIMEOUT_MS = 2_000;

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function frame(stream: number, opcode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(REQUEST_VERSION, 0);
  header.writeUInt8(0, 1);
  header.writeInt16BE(stream, 2);
  header.writeUInt8(opcode, 4);
  header.writeInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

/** A [string map] with one entry. */
function stringMap(key: string, value: string): Buffer {
  const k = Buffer.from(key, 'utf8');
  const v = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(2 + 2 + k.length + 2 + v.length);
  let at = out.writeUInt16BE(1, 0);
  at = out.writeUInt16BE(k.length, at);
  at += k.copy(out, at);
  at = out.writeUInt16BE(v.length, at);
  v.copy(out, at);
  return out;
}

export function probeCql(options: { host: string; port: number; timeoutMs?: number }): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    const socket = connect({ host: options.host, port: options.port });
    let buffered = Buffer.alloc(0);
    let step: 'options' | 'startup' = 'options';
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (error) => finish({ ok: false, reason: error.message }));
    socket.once('close', () => finish({ ok: false, reason: 'connection closed' }));
    socket.once('connect', () => socket.write(frame(1, OPCODE.options, Buffer.alloc(0))));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < HEADER_BYTES) return;
      const bodyLength = buffered.readInt32BE(5);
      if (bodyLength < 0 || bodyLength > RESPONSE_BODY_BYTES_MAX) {
        finish({ ok: false, reason: `unexpected frame length ${bodyLength}` });
        return;
      }
      if (buffered.length < HEADER_BYTES + bodyLength) return;
      const opcode = buffered.readUInt8(4);
      buffered = buffered.subarray(HEADER_BYTES + bodyLength);
      if (step === 'options') {
        if (opcode !== OPCODE.supported) {
          finish({ ok: false, reason: `OPTIONS answered with opcode ${opcode}` });
          return;
        }
        step = 'startup';
        socket.write(frame(2, OPCODE.startup, stringMap('CQL_VERSION', '3.0.0')));
        return;
      }
      if (opcode === OPCODE.ready || opcode === OPCODE.authenticate) finish({ ok: true });
      else finish({ ok: false, reason: `STARTUP answered with opcode ${opcode}` });
    });
  });
}

/** True when something accepts TCP connections on host:port (CQL or not). */
export function portInUse(options: { host: string; port: number; timeoutMs?: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: options.host, port: options.port });
    const finish = (used: boolean): void => {
      socket.destroy();
      resolve(used);
    };
    socket.setTimeout(options.timeoutMs ?? PROBE_TIMEOUT_MS, () => finish(true));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
