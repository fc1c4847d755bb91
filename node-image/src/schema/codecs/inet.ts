// inet values: 4-byte IPv4 or 16-byte IPv6 addresses. Parsing accepts numeric literals only (no
// name resolution). `parseInet` (CQL values) maps an IPv4-mapped IPv6 literal to 4 bytes, as
// java.net.InetAddress does; `parseIpAddress` (protocol EVENT addresses) keeps the bytes as
// written and ignores an IPv6 `%zone`. Printing: RFC 5952 for values and display, Java's
// getHostAddress form for JSON.

export const IPV4_BYTES = 4;
export const IPV6_BYTES = 16;
const IPV6_GROUPS = 8;

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): number[] | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!HEX_GROUP.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): Buffer | undefined {
  const doubleColon = text.indexOf('::');
  let groups: number[];
  if (doubleColon >= 0) {
    if (text.indexOf('::', doubleColon + 1) >= 0) return undefined;
    const head = parseGroups(text.slice(0, doubleColon));
    const tail = parseGroups(text.slice(doubleColon + 2));
    if (head === undefined || tail === undefined || head.length + tail.length > IPV6_GROUPS - 1) return undefined;
    groups = [...head, ...new Array<number>(IPV6_GROUPS - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (all === undefined || all.length !== IPV6_GROUPS) return undefined;
    groups = all;
  }
  const out = Buffer.alloc(IPV6_BYTES);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function isIpv4Mapped(bytes: Buffer): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Bytes of a numeric IPv4 or IPv6 literal (`[::1]` brackets allowed); undefined when not one. */
export function parseInet(text: string): Buffer | undefined {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(unbracketed);
  if (v4 !== undefined) return Buffer.from(v4);
  if (!unbracketed.includes(':')) return undefined;
  const v6 = parseIpv6(unbracketed);
  if (v6 === undefined) return undefined;
  return isIpv4Mapped(v6) ? Buffer.from(v6.subarray(12)) : v6;
}

/**
 * 4 bytes for an IPv4 literal, 16 for an IPv6 one exactly as written (a mapped address stays 16
 * bytes; a `%zone` suffix is ignored); undefined when `text` is neither. No brackets.
 */
export function parseIpAddress(text: string): Buffer | undefined {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : Buffer.from(v4);
  }
  const zone = text.indexOf('%');
  return parseIpv6(zone >= 0 ? text.slice(0, zone) : text);
}

/** RFC 5952 text: lowercase, longest zero run (>= 2 groups, leftmost) as `::`, mapped IPv4 dotted. */
export function formatInet(bytes: Buffer): string {
  if (bytes.length === IPV4_BYTES) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (isIpv4Mapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < IPV6_GROUPS; i++) groups.push(bytes.readUInt16BE(i * 2));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < IPV6_GROUPS;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < IPV6_GROUPS && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** java.net.InetAddress.getHostAddress: IPv6 uncompressed (`0:0:0:0:0:0:0:1`), mapped IPv4 dotted. */
export function formatInetJava(bytes: Buffer): string {
  if (bytes.length === IPV4_BYTES) return formatInet(bytes);
  if (isIpv4Mapped(bytes)) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < IPV6_GROUPS; i++) groups.push(bytes.readUInt16BE(i * 2).toString(16));
  return groups.join(':');
}
