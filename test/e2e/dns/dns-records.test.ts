import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '../kube/types.ts';
import { buildRecords, searchDomains } from './dns-records.ts';

const svc = (name: string, options: { ns?: string; headless?: boolean; selector?: Record<string, string> | null; publishNotReady?: boolean } = {}): Service => ({
  metadata: { name, namespace: options.ns ?? 'ns' },
  spec: {
    clusterIP: options.headless === false ? '10.0.0.12' : 'None',
    ...(options.selector === null ? {} : { selector: options.selector ?? { app: name } }),
    ...(options.publishNotReady ? { publishNotReadyAddresses: true } : {}),
  },
});
const pod = (name: string, ip: string, options: { app?: string; ready?: boolean; subdomain?: string; deleting?: boolean; ns?: string } = {}): Pod => ({
  metadata: {
    name,
    namespace: options.ns ?? 'ns',
    labels: { app: options.app ?? 'echo' },
    ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: { hostname: name, ...(options.subdomain ? { subdomain: options.subdomain } : {}), containers: [] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
});
const slice = (svcName: string, endpoints: EndpointSlice['endpoints'], ns = 'ns'): EndpointSlice => ({
  metadata: { name: `${svcName}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints,
});

describe('buildRecords', () => {
  it('publishes service and pod hostname records from ready selected pods', () => {
    const t = buildRecords(
      [svc('echo'), svc('client', { headless: false, selector: { app: 'echo' } })],
      [
        pod('echo-1', '127.0.10.3', { subdomain: 'echo' }),
        pod('echo-0', '127.0.10.2', { subdomain: 'echo' }),
        pod('echo-2', '127.0.10.9', { subdomain: 'echo', ready: false }),
        pod('echo-3', '127.0.10.10', { subdomain: 'echo', deleting: true }),
        pod('other', '127.0.10.11', { app: 'other' }),
        pod('echo-x', '127.0.10.12', { ns: 'elsewhere' }),
      ],
      [],
    );
    expect(t.get('echo.ns.svc.cluster.local')).toEqual(['127.0.10.2', '127.0.10.3']);
    expect(t.get('echo-0.echo.ns.svc.cluster.local')).toEqual(['127.0.10.2']);
    expect(t.has('echo-2.echo.ns.svc.cluster.local')).toBe(false);
    expect(t.has('echo-3.echo.ns.svc.cluster.local')).toBe(false);
    expect(t.get('client.ns.svc.cluster.local')).toEqual(['127.0.10.2', '127.0.10.3']);
    expect(t.has('echo-0.client.ns.svc.cluster.local')).toBe(false);
  });

  it('includes not-ready and terminating pods when the Service publishes them', () => {
    const t = buildRecords(
      [svc('seeds', { publishNotReady: true, selector: { app: 'echo' } })],
      [pod('echo-0', '127.0.10.2', { ready: false, subdomain: 'seeds' }), pod('echo-1', '127.0.10.3', { deleting: true })],
      [],
    );
    expect(t.get('seeds.ns.svc.cluster.local')).toEqual(['127.0.10.2', '127.0.10.3']);
    expect(t.get('echo-0.seeds.ns.svc.cluster.local')).toEqual(['127.0.10.2']);
  });

  it('uses EndpointSlices for selector-less services only', () => {
    const t = buildRecords(
      [svc('extra', { selector: null }), svc('echo')],
      [],
      [
        slice('extra', [{ addresses: ['10.1.2.3'], hostname: 'remote-0' }, { addresses: ['10.1.2.4'], conditions: { ready: false } }]),
        slice('echo', [{ addresses: ['10.9.9.9'] }]),
        slice('orphan', [{ addresses: ['10.1.2.5'] }]),
      ],
    );
    expect(t.get('extra.ns.svc.cluster.local')).toEqual(['10.1.2.3']);
    expect(t.get('remote-0.extra.ns.svc.cluster.local')).toEqual(['10.1.2.3']);
    expect(t.get('echo.ns.svc.cluster.local')).toEqual([]);
    expect(t.has('orphan.ns.svc.cluster.local')).toBe(false);
  });

  it('gives the kubelet search list', () => {
    expect(searchDomains('a')).toEqual(['a.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  });
});
