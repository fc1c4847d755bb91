// e2e: label=fast
// Harness proof (local provider): a real StatefulSet of 3 local HTTP servers behind a headless
// Service: Ready with own IPs over 3 zones, DNS names, crash restart, pod deletion keeps the PVC
// folder, graceful scale-down in reverse order, namespace deletion finalizes everything.
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StatefulSet } from '../kube/types.ts';
import {
  api,
  applyYaml,
  createNamespace,
  deleteNamespace,
  describeLocalOnly,
  e2eDir,
  fixture,
  httpJson,
  kubectl,
  Rcode,
  resolveA,
  waitFor,
} from './support/cluster.ts';
import fs from 'node:fs';

const readyTimeoutMs = 120_000;

type Info = { pod: string; namespace: string; node: string; podIP: string; envGreeting: string; greeting: string; id: string; boots: number; dnsSearch: string };

describeLocalOnly('harness: StatefulSet of local processes on the fake kubelet', () => {
  let ns = '';
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    ns = await createNamespace('harness');
  });
  afterAll(async () => {
    console.log(`harness timings (s): ${JSON.stringify(timings)}`);
  });

  const pods = async (): Promise<Pod[]> => {
    const rest = await api();
    const list = await rest.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Decho`);
    return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };
  const podNamed = async (name: string): Promise<Pod | null> => (await api()).getOrNull<Pod>(`/api/v1/namespaces/${ns}/pods/${name}`);
  const isReady = (p: Pod | null): boolean =>
    p !== null && p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && !p.metadata.deletionTimestamp;
  const info = (p: Pod): Promise<Info> => httpJson<Info>(`http://${p.status!.podIP}:8080/info`);
  const events = async (p: Pod): Promise<string[]> => (await httpJson<{ events: string[] }>(`http://${p.status!.podIP}:8080/events`)).events;
  const statefulSet = async (): Promise<StatefulSet> => (await api()).get<StatefulSet>(`/apis/apps/v1/namespaces/${ns}/statefulsets/echo`);
  const describePods = async (): Promise<string> =>
    (await pods()).map((p) => `${p.metadata.name} ${p.status?.phase} ip=${p.status?.podIP} node=${p.spec.nodeName} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}`).join('\n');

  it('brings 3 replicas to Ready, one per zone, each with its own loopback IP', async () => {
    const t0 = Date.now();
    const nodeBin = process.env['CASSIA_E2E_NODE_BIN'] ?? process.execPath;
    await applyYaml(ns, fixture('harness/echo.yaml', { NODE_BIN: nodeBin, ECHO_SERVER: path.join(e2eDir, 'fixtures', 'echo-server.ts') }));
    await waitFor('3 ready replicas', async () => (await statefulSet()).status?.readyReplicas === 3, { timeoutMs: readyTimeoutMs, describe: describePods });
    timings['apply-to-3-ready'] = (Date.now() - t0) / 1000;

    const list = await pods();
    expect(list.map((p) => p.metadata.name)).toEqual(['echo-0', 'echo-1', 'echo-2']);
    const ips = list.map((p) => p.status!.podIP!);
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) {
      expect(ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(ip).not.toBe('127.0.0.1');
    }
    const rest = await api();
    const zones = await Promise.all(
      list.map(async (p) => (await rest.get<Node>(`/api/v1/nodes/${p.spec.nodeName}`)).metadata.labels?.['topology.kubernetes.io/zone']),
    );
    expect(new Set(zones).size).toBe(3);
    for (const p of list) {
      expect(isReady(p)).toBe(true);
      const i = await info(p);
      expect(i).toMatchObject({ pod: p.metadata.name, namespace: ns, node: p.spec.nodeName, podIP: p.status!.podIP, envGreeting: 'hello', greeting: 'hello', boots: 1 });
      expect(i.dnsSearch.split(' ')[0]).toBe(`${ns}.svc.cluster.local`);
    }
    // kubectl against the same API server sees the same thing.
    const out = await kubectl(['get', 'pods', '-n', ns, '-l', 'app=echo', '-o', 'jsonpath={.items[*].status.podIP}']);
    expect(out.split(' ').sort()).toEqual([...ips].sort());
  });

  it('answers cluster DNS names for the headless Service and each pod', async () => {
    const list = await pods();
    const ips = list.map((p) => p.status!.podIP!).sort();
    expect((await resolveA(`echo.${ns}.svc.cluster.local`)).addresses).toEqual(ips);
    for (const p of list) {
      expect((await resolveA(`${p.metadata.name}.echo.${ns}.svc.cluster.local`)).addresses).toEqual([p.status!.podIP]);
    }
    expect((await resolveA(`nope.${ns}.svc.cluster.local`)).rcode).toBe(Rcode.NXDOMAIN);
    // From inside a pod, through CASSIA_DNS_SERVER (how a node resolves its seeds).
    const r = await httpJson<{ addresses?: string[] }>(`http://${list[0]!.status!.podIP}:8080/resolve?name=echo-2.echo.${ns}.svc.cluster.local`);
    expect(r.addresses).toEqual([list[2]!.status!.podIP]);
  });

  it('restarts a crashed container in place (same pod, restartCount 1, same data)', async () => {
    const before = (await podNamed('echo-0'))!;
    const i0 = await info(before);
    await httpJson(`http://${before.status!.podIP}:8080/crash`, { method: 'POST' }).catch(() => undefined);
    const after = await waitFor(
      'echo-0 restarted and Ready',
      async () => {
        const p = await podNamed('echo-0');
        return p && isReady(p) && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
      },
      { timeoutMs: 60_000, describe: describePods },
    );
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.status!.podIP).toBe(before.status!.podIP);
    expect(after.status!.containerStatuses![0]!.lastState.terminated?.exitCode).toBe(3);
    const i1 = await info(after);
    expect(i1.id).toBe(i0.id);
    expect(i1.boots).toBe(i0.boots + 1);
  });

  it('recreates a deleted pod gracefully (preStop, SIGTERM) on the same PVC folder', async () => {
    const before = (await podNamed('echo-1'))!;
    const i0 = await info(before);
    const t0 = Date.now();
    await kubectl(['delete', 'pod', '-n', ns, 'echo-1', '--wait=false']);
    const after = await waitFor(
      'a new echo-1 Ready',
      async () => {
        const p = await podNamed('echo-1');
        return p && p.metadata.uid !== before.metadata.uid && isReady(p) ? p : undefined;
      },
      { timeoutMs: readyTimeoutMs, describe: describePods },
    );
    timings['delete-to-ready'] = (Date.now() - t0) / 1000;
    const i1 = await info(after);
    expect(i1.id).toBe(i0.id);
    expect(i1.boots).toBe(i0.boots + 1);
    const ev = (await events(after)).map((l) => l.split(' ').slice(2).join(' '));
    const lastStart = ev.lastIndexOf(`start ip=${after.status!.podIP}`);
    expect(ev.slice(lastStart - 2, lastStart)).toEqual(['prestop', 'sigterm']);
  });

  it('scales down to 1 in reverse ordinal order, gracefully, keeping the PVCs', async () => {
    const rest = await api();
    const gone: string[] = [];
    await kubectl(['scale', 'statefulset', '-n', ns, 'echo', '--replicas=1']);
    await waitFor(
      'echo-2 and echo-1 gone',
      async () => {
        const names = (await pods()).map((p) => p.metadata.name);
        for (const n of ['echo-2', 'echo-1']) if (!names.includes(n) && !gone.includes(n)) gone.push(n);
        return gone.length === 2;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 100, describe: describePods },
    );
    expect(gone).toEqual(['echo-2', 'echo-1']);
    await waitFor('statefulset status replicas 1', async () => (await statefulSet()).status?.replicas === 1, { timeoutMs: 30_000 });
    const pvcs = await rest.get<{ items: PersistentVolumeClaim[] }>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`);
    expect(pvcs.items.map((c) => c.metadata.name).sort()).toEqual(['data-echo-0', 'data-echo-1', 'data-echo-2']);
    for (const name of ['data-echo-1', 'data-echo-2']) {
      const pvc = pvcs.items.find((c) => c.metadata.name === name)!;
      const pv = await rest.get<PersistentVolume>(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
      const lines = fs.readFileSync(path.join(pv.spec.local!.path, 'events.log'), 'utf8').trim().split('\n');
      expect(lines.slice(-2).map((l) => l.split(' ').slice(2).join(' '))).toEqual(['prestop', 'sigterm']);
    }
  });

  it('deletes the namespace: pods finalized, claims released and their volumes deleted', async () => {
    const rest = await api();
    const pvNames = (await rest.get<{ items: PersistentVolumeClaim[] }>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.map((c) => c.spec.volumeName!);
    const t0 = Date.now();
    await deleteNamespace(ns);
    timings['namespace-delete'] = (Date.now() - t0) / 1000;
    await waitFor(
      'released volumes deleted',
      async () => (await Promise.all(pvNames.map((n) => rest.getOrNull(`/api/v1/persistentvolumes/${n}`)))).every((pv) => pv === null),
      { timeoutMs: 60_000 },
    );
  });
});
