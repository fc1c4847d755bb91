// End-to-end runs of the reconciler against the simulated world (in-memory API server, fake
// StatefulSet controller and kubelet, fake nodes behind the management API contract).
import { describe, expect, it } from 'vitest';
import type { CassandraClusterStatus } from '../../api/index.ts';
import { FakeCluster } from '../../testing/fake-cluster.ts';
import { Resources } from '../../runtime/index.ts';

type Any = Record<string, any>;

const racks3 = [{ name: 'r1', zone: 'z1' }, { name: 'r2', zone: 'z2' }, { name: 'r3', zone: 'z3' }];
const dc1 = (size: number) => ({ name: 'dc1', size, racks: racks3 });

function settled(n: number): (s: CassandraClusterStatus) => boolean {
  return (s) => s.operation === undefined && s.readyNodes === n && s.desiredNodes === n
    && s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && (s.pendingCleanup ?? []).length === 0;
}

function replicasOf(world: FakeCluster): Record<string, number> {
  return Object.fromEntries(world.api.all(Resources.statefulSet).map((s) => [s.metadata.name, (s.spec as Any).replicas]));
}

async function created(size = 3): Promise<FakeCluster> {
  const world = new FakeCluster();
  await world.start();
  await world.apply({ datacenters: [dc1(size)] });
  await world.runUntil(settled(size));
  return world;
}

describe('lifecycle against a simulated cluster', () => {
  it('creates a 3-rack cluster one node at a time, seeds first', async () => {
    const world = new FakeCluster();
    await world.start();
    await world.apply({ datacenters: [dc1(3)] });
    let maxJoining = 0;
    const steps = await world.runUntil((s) => {
      maxJoining = Math.max(maxJoining, world.nodes.all().filter((n) => n.mode === 'JOINING' || n.mode === 'STARTING').length);
      return settled(3)(s);
    });
    expect(maxJoining).toBe(1);
    const s = world.status();
    expect(s.nodes!.map((n) => n.pod)).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    expect(s.nodes!.every((n) => n.hostId !== undefined && n.ready)).toBe(true);
    expect(s.seeds).toEqual(['prod-dc1-r1-0', 'prod-dc1-r2-0', 'prod-dc1-r3-0']);
    expect(replicasOf(world)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 1 });
    expect(world.api.all(Resources.pod).filter((p) => p.metadata.labels?.['cassia.dev/seed'] === 'true')).toHaveLength(3);
    expect(world.api.all(Resources.secret).map((x) => x.metadata.name).sort()).toEqual(['prod-management-token', 'prod-superuser']);
    expect(s.history!.map((h) => h.type).reverse()).toEqual(['Create', 'ScaleUp', 'ScaleUp']);
    expect(steps).toBeLessThan(30);
    await world.stop();
  });

  it('scales 3 -> 6 balanced with cleanup, then 6 -> 3 through decommission, deleting claims', async () => {
    const world = await created(3);
    await world.apply({ datacenters: [dc1(6)] });
    await world.runUntil(settled(6));
    expect(replicasOf(world)).toEqual({ 'prod-dc1-r1': 2, 'prod-dc1-r2': 2, 'prod-dc1-r3': 2 });
    const cleanup = world.status().history!.find((h) => h.type === 'Cleanup');
    expect(cleanup).toMatchObject({ result: 'Succeeded' });
    expect(world.nodes.all().flatMap((n) => n.jobs).filter((j) => j.operation === 'cleanup')).toHaveLength(6);

    await world.apply({ datacenters: [dc1(3)] });
    await world.runUntil(settled(3));
    expect(replicasOf(world)).toEqual({ 'prod-dc1-r1': 1, 'prod-dc1-r2': 1, 'prod-dc1-r3': 1 });
    expect(world.api.all(Resources.pvc).map((p) => p.metadata.name).sort()).toEqual(['data-prod-dc1-r1-0', 'data-prod-dc1-r2-0', 'data-prod-dc1-r3-0']);
    expect(world.status().history!.filter((h) => h.type === 'ScaleDown' && h.result === 'Succeeded')).toHaveLength(3);
    await world.stop();
  });

  it('refuses to scale below RF, says so, and recovers when the size is restored', async () => {
    const world = await created(3);
    await world.apply({ datacenters: [dc1(2)] });
    for (let i = 0; i < 3; i++) await world.step();
    const s = world.status();
    expect(s.operation).toBe(undefined);
    expect(s.conditions!.find((c) => c.type === 'Blocked')).toMatchObject({ status: 'True', reason: 'ScaleDownBelowReplicationFactor' });
    expect(world.events.events.filter((e) => e.reason === 'ScaleDownBelowReplicationFactor')).toHaveLength(1);
    await world.apply({ datacenters: [dc1(3)] });
    await world.runUntil((x) => x.conditions!.find((c) => c.type === 'Blocked')?.status === 'False');
    await world.stop();
  });

  it('rolls an image upgrade one pod at a time, never two nodes down', async () => {
    const world = await created(3);
    const before = world.api.all(Resources.pod).map((p) => p.metadata.uid);
    await world.apply({ image: 'cassia:0.2.0', datacenters: [dc1(3)] });
    let maxDown = 0;
    await world.runUntil((s) => {
      const ready = world.api.all(Resources.pod).filter((p) => ((p.status as Any).conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True'));
      maxDown = Math.max(maxDown, 3 - ready.length);
      return settled(3)(s) && (s.history ?? []).some((h) => h.type === 'RollingRestart');
    });
    expect(maxDown).toBe(1);
    const pods = world.api.all(Resources.pod);
    expect(pods.every((p) => (p.spec as Any).containers[0].image === 'cassia:0.2.0')).toBe(true);
    expect(pods.some((p) => before.includes(p.metadata.uid))).toBe(false);
    expect(world.events.events.filter((e) => e.reason === 'PodRestarted').map((e) => e.message)).toHaveLength(3);
    // Hosts kept their identity (same claims).
    expect(world.status().nodes!.map((n) => n.hostId)).toHaveLength(3);
    await world.stop();
  });

  it('stops (drain, scale to zero, claims kept) and resumes with the same nodes', async () => {
    const world = await created(3);
    const hostIds = world.status().nodes!.map((n) => n.hostId);
    await world.apply({ stopped: true, datacenters: [dc1(3)] });
    await world.runUntil((s) => s.conditions?.find((c) => c.type === 'Stopped')?.reason === 'StoppedByUser' && s.operation === undefined);
    expect(world.api.all(Resources.pod)).toHaveLength(0);
    expect(world.api.all(Resources.pvc)).toHaveLength(3);
    await world.apply({ stopped: false, datacenters: [dc1(3)] });
    await world.runUntil(settled(3));
    expect(world.status().nodes!.map((n) => n.hostId)).toEqual(hostIds);
    expect(world.status().history![0]).toMatchObject({ type: 'Resume', result: 'Succeeded' });
    await world.stop();
  });

  it('replaces a node on request: fresh volume, old address published to the new pod', async () => {
    const world = await created(3);
    const old = world.status().nodes!.find((n) => n.pod === 'prod-dc1-r2-0')!;
    world.nodes.broken.add('prod-dc1-r2-0');
    await world.api.mergePatch(Resources.pod, 'db', 'prod-dc1-r2-0', { metadata: { annotations: { 'cassia.dev/replace': 'true' } } });
    await world.step();
    expect(world.status().operation).toMatchObject({ type: 'ReplaceNode', pod: 'prod-dc1-r2-0', address: old.address });
    // Standing entries: every NORMAL node's last address; the node being replaced points at its old one.
    const standing = (): Record<string, string> => Object.fromEntries(world.status().nodes!.map((n) => [n.pod, n.lastNormalAddress!]));
    expect(world.api.peek(Resources.configMap, 'db', 'prod-replace')!.data).toEqual({ ...standing(), 'prod-dc1-r2-0': old.address });
    world.nodes.broken.delete('prod-dc1-r2-0');
    await world.runUntil(settled(3));
    const now = world.status().nodes!.find((n) => n.pod === 'prod-dc1-r2-0')!;
    expect(now.hostId).not.toBe(old.hostId);
    expect(now.address).not.toBe(old.address);
    expect(now.lastNormalAddress).toBe(now.address);
    await world.step();
    expect(world.api.peek(Resources.configMap, 'db', 'prod-replace')!.data).toEqual(standing());
    await world.stop();
  });

  it('a pod that comes back without its volume replaces its former self, recorded as a ReplaceNode', async () => {
    const world = await created(3);
    await world.step();
    const old = world.status().nodes!.find((n) => n.pod === 'prod-dc1-r3-0')!;
    expect((world.api.peek(Resources.configMap, 'db', 'prod-replace')!.data as Record<string, string>)['prod-dc1-r3-0']).toBe(old.lastNormalAddress);
    // The claim and the pod are deleted from outside (a lost disk, kubectl delete pvc+pod).
    await world.api.delete(Resources.pvc, 'db', 'data-prod-dc1-r3-0');
    await world.api.delete(Resources.pod, 'db', 'prod-dc1-r3-0');
    await world.runUntil((s) => s.operation?.type === 'ReplaceNode');
    expect(world.status().operation).toMatchObject({ phase: 'Replacing', pod: 'prod-dc1-r3-0', hostId: old.hostId, address: old.lastNormalAddress });
    await world.runUntil(settled(3));
    const history = world.status().history!.find((h) => h.type === 'ReplaceNode')!;
    expect(history).toMatchObject({ result: 'Succeeded' });
    const now = world.status().nodes!.find((n) => n.pod === 'prod-dc1-r3-0')!;
    expect(now.hostId).not.toBe(old.hostId);
    expect(world.status().history!.filter((h) => h.type === 'ReplaceNode')).toHaveLength(1);
    await world.stop();
  });

  it('survives an operator restart in the middle of a decommission without a second job', async () => {
    const world = await created(4);
    await world.apply({ datacenters: [dc1(3)] });
    await world.runUntil((s) => s.operation?.type === 'ScaleDown' && s.operation.phase === 'Decommissioning');
    await world.restartOperator();
    await world.runUntil(settled(3));
    const decommissions = world.status().history!.filter((h) => h.type === 'ScaleDown');
    expect(decommissions).toHaveLength(1);
    await world.stop();
  });

  it('adds a datacenter (join, replication, rebuild) and removes it again', async () => {
    const world = await created(3);
    const dc2 = { name: 'dc2', size: 2, racks: [{ name: 'a' }, { name: 'b' }] };
    await world.apply({ datacenters: [dc1(3), dc2] });
    await world.runUntil(settled(5));
    expect(world.status().datacenters!.map((d) => `${d.name}:${d.phase}`)).toEqual(['dc1:Ready', 'dc2:Ready']);
    expect(world.nodes.keyspaces.find((k) => k.name === 'system_auth')!.replication.datacenters).toEqual({ dc1: 3, dc2: 2 });
    expect(world.nodes.all().filter((n) => n.dc === 'dc2').flatMap((n) => n.jobs).filter((j) => j.operation === 'rebuild').map((j) => j.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const sts = world.api.peek(Resources.statefulSet, 'db', 'prod-dc2-a')!;
    expect((sts.spec as Any).template.spec.containers[0].env.find((e: Any) => e.name === 'CASSIA_AUTO_BOOTSTRAP').value).toBe('true');

    await world.apply({ datacenters: [dc1(3)] });
    await world.runUntil(settled(3));
    expect(world.api.all(Resources.statefulSet).map((s) => s.metadata.name).sort()).toEqual(['prod-dc1-r1', 'prod-dc1-r2', 'prod-dc1-r3']);
    expect(world.nodes.keyspaces.find((k) => k.name === 'system_auth')!.replication.datacenters).toEqual({ dc1: 3 });
    expect(world.status().datacenters!.map((d) => d.name)).toEqual(['dc1']);
    await world.stop();
  });
});

describe('apply failures', () => {
  it('keeps reconciling when an object cannot be applied (e.g. RBAC for Roles missing)', async () => {
    const world = new FakeCluster();
    await world.start();
    await world.apply({ datacenters: [dc1(3)] });
    const original = world.api.apply.bind(world.api);
    world.api.apply = async (ref, object, options) => {
      if (ref.kind === 'Role') throw new Error('roles.rbac.authorization.k8s.io is forbidden');
      return original(ref, object, options);
    };
    await world.runUntil(settled(3));
    expect(world.events.events.some((e) => e.reason === 'ApplyFailed' && e.message.includes('forbidden'))).toBe(true);
    await world.stop();
  });
});
