// DNS wire format (RFC 1035) for the e2e resolver: decodes a query's header and first question
// and encodes an answer of A records. Pure functions; names are compared lower-cased.
export const dnsUdpMaxBytes = 512;
export const dnsNameMaxBytes = 255;
export const dnsLabelMaxBytes = 63;
/** Compression pointers followed while reading one name (guards against loops). */
export const dnsPointerHopsMax = 16;

export const DnsType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const DnsClass = { IN: 1 } as const;
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export type DnsQuery = {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  name: string;
  qtype: number;
  qclass: number;
  /** Byte range of the first question in the query, copied verbatim into the answer. */
  questionBytes: Buffer;
};

export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsFormatError';
  }
}

/** Decodes the header and the first question; throws DnsFormatError on malformed input. */
export function decodeQuery(msg: Buffer): DnsQuery {
  if (msg.length < 12) throw new DnsFormatError('message shorter than a header');
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) throw new DnsFormatError('not a query');
  const qdcount = msg.readUInt16BE(4);
  if (qdcount < 1) throw new DnsFormatError('no question');
  const { name, end } = readName(msg, 12);
  if (end + 4 > msg.length) throw new DnsFormatError('truncated question');
  return {
    id,
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & 0x0100) !== 0,
    name,
    qtype: msg.readUInt16BE(end),
    qclass: msg.readUInt16BE(end + 2),
    questionBytes: msg.subarray(12, end + 4),
  };
}

function readName(msg: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (offset >= msg.length) throw new DnsFormatError('name runs past the message');
    const len = msg[offset]!;
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= msg.length) throw new DnsFormatError('truncated pointer');
      if (++hops > dnsPointerHopsMax) throw new DnsFormatError('too many compression pointers');
      if (end < 0) end = offset + 2;
      offset = ((len & 0x3f) << 8) | msg[offset + 1]!;
      continue;
    }
    if (len & 0xc0) throw new DnsFormatError('unsupported label type');
    if (len === 0) {
      if (end < 0) end = offset + 1;
      break;
    }
    if (offset + 1 + len > msg.length) throw new DnsFormatError('label runs past the message');
    length += len + 1;
    if (length > dnsNameMaxBytes) throw new DnsFormatError('name too long');
    labels.push(msg.toString('latin1', offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end };
}

/**
 * Encodes the answer to `query`: `addresses` become A records (for A/ANY queries) with the
 * question's name (compressed); answers that would exceed the UDP limit set TC.
 */
export function encodeAnswer(options: { query: DnsQuery; rcode: number; addresses: readonly string[]; ttlSeconds: number }): Buffer {
  const { query } = options;
  const answerSize = 16;
  const headerAndQuestion = 12 + query.questionBytes.length;
  const fit = Math.max(0, Math.floor((dnsUdpMaxBytes - headerAndQuestion) / answerSize));
  const answers = options.addresses.slice(0, fit);
  const truncated = answers.length < options.addresses.length;
  const out = Buffer.alloc(headerAndQuestion + answers.length * answerSize);
  out.writeUInt16BE(query.id, 0);
  let flags = 0x8000 | (query.opcode << 11) | 0x0400; // QR, opcode, AA
  if (truncated) flags |= 0x0200;
  if (query.recursionDesired) flags |= 0x0100;
  flags |= options.rcode & 0xf;
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(answers.length, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  query.questionBytes.copy(out, 12);
  let o = headerAndQuestion;
  for (const ip of answers) {
    out.writeUInt16BE(0xc00c, o); // pointer to the question's name at offset 12
    out.writeUInt16BE(DnsType.A, o + 2);
    out.writeUInt16BE(DnsClass.IN, o + 4);
    out.writeUInt32BE(options.ttlSeconds, o + 6);
    out.writeUInt16BE(4, o + 10);
    const parts = ip.split('.').map(Number);
    for (let i = 0; i < 4; i++) out[o + 12 + i] = parts[i]!;
    o += answerSize;
  }
  return out;
}

/** An error answer for a message whose question could not be read (FORMERR with its id). */
export function encodeFormatError(msg: Buffer): Buffer | undefined {
  if (msg.length < 2) return undefined;
  const out = Buffer.alloc(12);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  out.writeUInt16BE(0x8000 | Rcode.FORMERR, 2);
  return out;
}

/** Encodes a query (used by tests and the spec helpers to ask our server directly). */
export function encodeQuery(options: { id: number; name: string; qtype: number }): Buffer {
  const labels = options.name.replace(/\.$/, '').split('.');
  const nameBytes: Buffer[] = [];
  for (const label of labels) {
    const b = Buffer.from(label, 'latin1');
    if (b.length === 0 || b.length > dnsLabelMaxBytes) throw new DnsFormatError(`bad label in ${options.name}`);
    nameBytes.push(Buffer.from([b.length]), b);
  }
  nameBytes.push(Buffer.from([0]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(options.qtype, 0);
  tail.writeUInt16BE(DnsClass.IN, 2);
  return Buffer.concat([header, ...nameBytes, tail]);
}

/** Decodes an answer's rcode and A records (tests and helpers). */
export function decodeAnswerAddresses(msg: Buffer): { id: number; rcode: number; truncated: boolean; addresses: string[] } {
  if (msg.length < 12) throw new DnsFormatError('short answer');
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let o = 12;
  for (let i = 0; i < qd; i++) o = readName(msg, o).end + 4;
  const addresses: string[] = [];
  for (let i = 0; i < an; i++) {
    o = readName(msg, o).end;
    const type = msg.readUInt16BE(o);
    const rdlen = msg.readUInt16BE(o + 8);
    if (type === DnsType.A && rdlen === 4) addresses.push([...msg.subarray(o + 10, o + 14)].join('.'));
    o += 10 + rdlen;
  }
  return { id: msg.readUInt16BE(0), rcode: flags & 0xf, truncated: (flags & 0x0200) !== 0, addresses };
}
