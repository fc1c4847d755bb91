// Hands out unique pod IPs from 127.0.10.1-127.0.255.254 (never 127.0.0.1, which host-side
// tests use). Round-robin from a cursor, so a freed address is reused as late as possible.
export const podIpFirstThirdOctet = 10;
export const podIpLastThirdOctet = 255;
export const podIpCapacity = (podIpLastThirdOctet - podIpFirstThirdOctet + 1) * 254;

export class PodIpAllocator {
  private readonly byOwner = new Map<string, string>();
  private readonly inUse = new Set<number>();
  private cursor = 0;

  /** The owner's address (stable for the same owner until released). Throws when exhausted. */
  allocate(owner: string): string {
    const existing = this.byOwner.get(owner);
    if (existing) return existing;
    for (let tried = 0; tried < podIpCapacity; tried++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % podIpCapacity;
      if (this.inUse.has(index)) continue;
      this.inUse.add(index);
      const ip = indexToIp(index);
      this.byOwner.set(owner, ip);
      return ip;
    }
    throw new Error(`pod IP range exhausted (${podIpCapacity} addresses)`);
  }

  release(owner: string): void {
    const ip = this.byOwner.get(owner);
    if (!ip) return;
    this.byOwner.delete(owner);
    this.inUse.delete(ipToIndex(ip));
  }

  get size(): number {
    return this.byOwner.size;
  }
}

function indexToIp(index: number): string {
  const third = podIpFirstThirdOctet + Math.floor(index / 254);
  const fourth = (index % 254) + 1;
  return `127.0.${third}.${fourth}`;
}

function ipToIndex(ip: string): number {
  const [, , c, d] = ip.split('.').map(Number);
  return (c! - podIpFirstThirdOctet) * 254 + (d! - 1);
}
