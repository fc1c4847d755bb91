// Computes the cluster.local A-record table (pure). Selector Services get their endpoints from
// Pods exactly as the EndpointSlice controller picks them (the API rejects loopback addresses in
// EndpointSlices, so those stay empty locally); selector-less Services use their EndpointSlices.
// There is no kube-proxy, so a ClusterIP Service name resolves to its ready endpoints' pod IPs.
import type { EndpointSlice, Pod, Service } from '../kube/types.ts';

export const clusterDomain = 'cluster.local';
export const serviceNameLabel = 'kubernetes.io/service-name';

/** name (lower case, no trailing dot) -> IPv4 addresses in stable order. */
export type RecordTable = Map<string, string[]>;

export function buildRecords(services: readonly Service[], pods: readonly Pod[], slices: readonly EndpointSlice[]): RecordTable {
  const table: RecordTable = new Map();
  const add = (name: string, ip: string): void => {
    const key = name.toLowerCase();
    const list = table.get(key) ?? [];
    if (!list.includes(ip)) list.push(ip);
    table.set(key, list);
  };
  const selectorless = new Set<string>();
  const podsByNs = new Map<string, Pod[]>();
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? 'default';
    const list = podsByNs.get(ns) ?? [];
    list.push(pod);
    podsByNs.set(ns, list);
  }
  for (const svc of services) {
    const ns = svc.metadata.namespace ?? 'default';
    const fqdn = `${svc.metadata.name}.${ns}.svc.${clusterDomain}`;
    table.set(fqdn.toLowerCase(), table.get(fqdn.toLowerCase()) ?? []);
    const selector = svc.spec.selector;
    if (svc.spec.type === 'ExternalName') continue;
    if (!selector || Object.keys(selector).length === 0) {
      selectorless.add(fqdn);
      continue;
    }
    for (const pod of podsByNs.get(ns) ?? []) {
      if (!matches(selector, pod.metadata.labels)) continue;
      const ip = pod.status?.podIP;
      if (!ip || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const terminating = pod.metadata.deletionTimestamp !== undefined;
      const ready = !terminating && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      if (!ready && svc.spec.publishNotReadyAddresses !== true) continue;
      add(fqdn, ip);
      // The controller sets an endpoint hostname when the pod's subdomain names this Service.
      if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) add(`${pod.spec.hostname}.${fqdn}`, ip);
    }
  }
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const svcName = slice.metadata.labels?.[serviceNameLabel];
    const ns = slice.metadata.namespace ?? 'default';
    if (!svcName) continue;
    const fqdn = `${svcName}.${ns}.svc.${clusterDomain}`;
    if (!selectorless.has(fqdn)) continue;
    for (const ep of slice.endpoints ?? []) {
      // Like CoreDNS: only ready endpoints (a Service with publishNotReadyAddresses gets them
      // marked ready by the EndpointSlice controller).
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) {
        add(fqdn, ip);
        if (ep.hostname) add(`${ep.hostname}.${fqdn}`, ip);
      }
    }
  }
  for (const list of table.values()) list.sort(compareIp);
  return table;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** Search list a kubelet would write into a pod's resolv.conf. */
export function searchDomains(namespace: string): string[] {
  return [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
}
