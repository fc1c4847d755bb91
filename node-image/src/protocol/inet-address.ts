// Textual IPv4/IPv6 addresses to their 4- or 16-byte network form, for [inet] fields of EVENT
// bodies. Pure (node:net is not allowed outside io/real). Returns null for anything malformed.

const IPV4_BYTES = 4;
const IPV6_BYTES = 16;
const IPV6_GROUPS = 8;

export function parseIpv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== IPV4_BYTES) return null;
  const bytes = Buffer.alloc(IPV4_BYTES);
  for (let i = 0; i < IPV4_BYTES; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes[i] = value;
  }
  return bytes;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

export function parseIpv6(text: string): Buffer | null {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = IPV6_GROUPS - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = Buffer.alloc(IPV6_BYTES);
  for (let i = 0; i < IPV6_GROUPS; i++) bytes.writeUInt16BE(groups[i]!, i * 2);
  return bytes;
}

/** 4 bytes for IPv4, 16 for IPv6, null when `text` is neither. */
export function parseIpAddress(text: string): Buffer | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}
