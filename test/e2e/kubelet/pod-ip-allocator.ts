// Hands out unique pod IPs from 127.B.10.1-127.B.255.254, B being the run's address block (0 by
// default; concurrent e2e runs each claim their own, pod-ip-block.ts), never 127.0.0.x, which
// host-side tests use. Round-robin from a cursor, so a freed address is reused as late as possible.
export const podIpFirstThirdOctet = 10;
export const podIpLastThirdOctet = 255;
export const podIpCapacity = (podIpLastThirdOctet - podIpFirstThirdOctet + 1) * 254;

export class PodIpAllocator {
  private readonly byOwner = new Map<string, string>();
  private readonly inUse = new Set<number>();
  private cursor = 0;
  private readonly secondOctet: number;

  constructor(options: { secondOctet?: number } = {}) {
    this.secondOctet = options.secondOctet ?? 0;
    if (!Number.isInteger(this.secondOctet) || this.secondOctet < 0 || this.secondOctet > 255) throw new Error(`bad second octet ${this.secondOctet}`);
  }

  /** The owner's address (stable for the same owner until released). Throws when exhausted. */
  allocate(owner: string): string {
    const existing = this.byOwner.get(owner);
    if (existing) return existing;
    for (let tried = 0; tried < podIpCapacity; tried++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % podIpCapacity;
      if (this.inUse.has(index)) continue;
      this.inUse.add(index);
      const ip = indexToIp(index, this.secondOctet);
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

function indexToIp(index: number, secondOctet: number): string {
  const third = podIpFirstThirdOctet + Math.floor(index / 254);
  const fourth = (index % 254) + 1;
  return `127.${secondOctet}.${third}.${fourth}`;
}

function ipToIndex(ip: string): number {
  const [, , c, d] = ip.split('.').map(Number);
  return (c! - podIpFirstThirdOctet) * 254 + (d! - 1);
}
