// The e2e cluster DNS: a UDP server on loopback answering A queries for *.svc.cluster.local
// from a record table rebuilt (debounced) on Service/Pod/EndpointSlice changes (reflectors).
import dgram from 'node:dgram';
import type { KubeRest } from '../kube/kube-rest.ts';
import { Reflector } from '../kube/reflector.ts';
import type { EndpointSlice, Pod, Service } from '../kube/types.ts';
import { clusterDomain, buildRecords, type RecordTable } from './dns-records.ts';
import { decodeQuery, DnsClass, DnsFormatError, DnsType, encodeAnswer, encodeFormatError, Rcode } from './dns-message.ts';

/** TTL of answers (CoreDNS's Kubernetes default). */
export const dnsTtlSeconds = 5;
/** Delay that coalesces watch events into one table rebuild. */
export const dnsRebuildDelayMs = 20;

export class ClusterDns {
  private readonly socket: dgram.Socket;
  private readonly services: Reflector<Service>;
  private readonly slices: Reflector<EndpointSlice>;
  private readonly pods: Reflector<Pod>;
  private rebuildTimer: NodeJS.Timeout | undefined;
  private table: RecordTable = new Map();
  private readonly log: (msg: string) => void;
  queries = 0;

  private constructor(options: { rest: KubeRest; log: (msg: string) => void }) {
    this.log = options.log;
    this.socket = dgram.createSocket('udp4');
    // Coalesce bursts of watch events into one rebuild a few ms later.
    const rebuild = (): void => {
      this.rebuildTimer ??= setTimeout(() => {
        this.rebuildTimer = undefined;
        this.table = buildRecords(this.services.list(), this.pods.list(), this.slices.list());
      }, dnsRebuildDelayMs);
    };
    const onError = (err: unknown): void => this.log(`dns watch error: ${String(err)}`);
    this.services = new Reflector({ rest: options.rest, path: '/api/v1/services', handlers: { upsert: rebuild, delete: rebuild, synced: rebuild }, onError });
    this.slices = new Reflector({
      rest: options.rest,
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      handlers: { upsert: rebuild, delete: rebuild, synced: rebuild },
      onError,
    });
    this.pods = new Reflector({ rest: options.rest, path: '/api/v1/pods', handlers: { upsert: rebuild, delete: rebuild, synced: rebuild }, onError });
  }

  static async start(options: { rest: KubeRest; log: (msg: string) => void; host?: string; port?: number }): Promise<ClusterDns> {
    const dns = new ClusterDns(options);
    await Promise.all([dns.services.start(), dns.slices.start(), dns.pods.start()]);
    dns.table = buildRecords(dns.services.list(), dns.pods.list(), dns.slices.list());
    dns.socket.on('message', (msg, rinfo) => dns.onMessage(msg, rinfo));
    dns.socket.on('error', (err) => dns.log(`dns socket error: ${err.message}`));
    await new Promise<void>((resolve) => dns.socket.bind(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
    return dns;
  }

  /** "127.0.0.1:port", the value of CASSIA_DNS_SERVER. */
  get address(): string {
    const a = this.socket.address();
    return `${a.address}:${a.port}`;
  }

  /** Current answer for a name (for tests and debugging). */
  lookup(name: string): string[] | undefined {
    return this.table.get(name.toLowerCase().replace(/\.$/, ''));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.queries++;
    let reply: Buffer | undefined;
    try {
      const q = decodeQuery(msg);
      const inZone = q.name === clusterDomain || q.name.endsWith(`.${clusterDomain}`);
      if (q.opcode !== 0) {
        reply = encodeAnswer({ query: q, rcode: Rcode.NOTIMP, addresses: [], ttlSeconds: dnsTtlSeconds });
      } else if (!inZone || q.qclass !== DnsClass.IN) {
        reply = encodeAnswer({ query: q, rcode: Rcode.REFUSED, addresses: [], ttlSeconds: dnsTtlSeconds });
      } else {
        const ips = this.table.get(q.name);
        const wantsA = q.qtype === DnsType.A || q.qtype === DnsType.ANY;
        if (ips === undefined) {
          reply = encodeAnswer({ query: q, rcode: this.hasChildren(q.name) ? Rcode.NOERROR : Rcode.NXDOMAIN, addresses: [], ttlSeconds: dnsTtlSeconds });
        } else {
          reply = encodeAnswer({ query: q, rcode: Rcode.NOERROR, addresses: wantsA ? ips : [], ttlSeconds: dnsTtlSeconds });
        }
      }
    } catch (err) {
      if (!(err instanceof DnsFormatError)) this.log(`dns error: ${String(err)}`);
      reply = encodeFormatError(msg);
    }
    if (reply) this.socket.send(reply, rinfo.port, rinfo.address);
  }

  /** Empty non-terminals (e.g. "ns.svc.cluster.local") exist: NODATA rather than NXDOMAIN. */
  private hasChildren(name: string): boolean {
    const suffix = `.${name}`;
    for (const k of this.table.keys()) if (k.endsWith(suffix)) return true;
    return false;
  }

  async stop(): Promise<void> {
    clearTimeout(this.rebuildTimer);
    await Promise.all([this.services.stop(), this.slices.stop(), this.pods.stop()]);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
