// A tiny local-path provisioner: a default StorageClass `standard` (WaitForFirstConsumer, like
// kind's), a PV with a host folder and node affinity per claim, folder removal on Delete reclaim.
import fs from 'node:fs';
import path from 'node:path';
import { isConflict, type KubeRest } from '../kube/kube-rest.ts';
import { Reflector } from '../kube/reflector.ts';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../kube/types.ts';

export const provisionerName = 'cassia.dev/e2e-local-path';
export const defaultStorageClassName = 'standard';
export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node';
export const provisionedByAnnotation = 'pv.kubernetes.io/provisioned-by';

export class LocalPathProvisioner {
  private readonly rest: KubeRest;
  private readonly volumesDir: string;
  private readonly log: (msg: string) => void;
  private readonly claims: Reflector<PersistentVolumeClaim>;
  private readonly volumes: Reflector<PersistentVolume>;
  private readonly classes: Reflector<StorageClass>;
  private readonly inFlight = new Set<string>();
  private readonly deleting = new Set<string>();

  private constructor(options: { rest: KubeRest; volumesDir: string; log: (msg: string) => void }) {
    this.rest = options.rest;
    this.volumesDir = options.volumesDir;
    this.log = options.log;
    const onError = (err: unknown): void => this.log(`provisioner watch error: ${String(err)}`);
    this.classes = new Reflector({ rest: this.rest, path: '/apis/storage.k8s.io/v1/storageclasses', handlers: {}, onError });
    this.claims = new Reflector({
      rest: this.rest,
      path: '/api/v1/persistentvolumeclaims',
      handlers: { upsert: (pvc) => this.onClaim(pvc) },
      onError,
    });
    this.volumes = new Reflector({
      rest: this.rest,
      path: '/api/v1/persistentvolumes',
      handlers: { upsert: (pv) => this.onVolume(pv) },
      onError,
    });
  }

  static async start(options: { rest: KubeRest; volumesDir: string; log: (msg: string) => void }): Promise<LocalPathProvisioner> {
    fs.mkdirSync(options.volumesDir, { recursive: true });
    const p = new LocalPathProvisioner(options);
    await p.ensureStorageClass();
    await p.classes.start();
    await Promise.all([p.claims.start(), p.volumes.start()]);
    return p;
  }

  private async ensureStorageClass(): Promise<void> {
    const sc = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: defaultStorageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: provisionerName,
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    };
    await this.rest.apply(`/apis/storage.k8s.io/v1/storageclasses/${defaultStorageClassName}`, sc, 'cassia-e2e-provisioner');
  }

  private onClaim(pvc: PersistentVolumeClaim): void {
    if (pvc.spec.volumeName || pvc.metadata.deletionTimestamp) return;
    const className = pvc.spec.storageClassName ?? defaultStorageClassName;
    const sc = this.classes.get(className);
    if (!sc || sc.provisioner !== provisionerName) return;
    const node = pvc.metadata.annotations?.[selectedNodeAnnotation];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !node) return;
    const uid = pvc.metadata.uid ?? '';
    if (this.inFlight.has(uid)) return;
    this.inFlight.add(uid);
    this.provision(pvc, sc, node)
      .catch((err: unknown) => this.log(`provisioning ${pvc.metadata.namespace}/${pvc.metadata.name} failed: ${String(err)}`))
      .finally(() => this.inFlight.delete(uid));
  }

  private async provision(pvc: PersistentVolumeClaim, sc: StorageClass, node: string | undefined): Promise<void> {
    const name = `pvc-${pvc.metadata.uid}`;
    if (this.volumes.get(name)) return;
    const dir = path.join(this.volumesDir, `${name}_${pvc.metadata.namespace}_${pvc.metadata.name}`);
    fs.mkdirSync(dir, { recursive: true });
    const pv = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { [provisionedByAnnotation]: provisionerName } },
      spec: {
        capacity: { storage: pvc.spec.resources?.requests?.['storage'] ?? '1Gi' },
        accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata.name,
        volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
        local: { path: dir },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              node
                ? { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }
                : { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] },
            ],
          },
        },
      },
    };
    try {
      await this.rest.create('/api/v1/persistentvolumes', pv);
      this.log(`provisioned ${name} for ${pvc.metadata.namespace}/${pvc.metadata.name}${node ? ` on ${node}` : ''}`);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  private onVolume(pv: PersistentVolume): void {
    if (pv.metadata.annotations?.[provisionedByAnnotation] !== provisionerName) return;
    if (pv.status?.phase !== 'Released' || pv.spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    if (this.deleting.has(pv.metadata.name)) return;
    this.deleting.add(pv.metadata.name);
    const p = pv.spec.local?.path;
    if (p && p.startsWith(this.volumesDir + path.sep)) fs.rmSync(p, { recursive: true, force: true });
    void this.rest
      .delete(`/api/v1/persistentvolumes/${pv.metadata.name}`)
      .then((deleted) => deleted && this.log(`deleted released ${pv.metadata.name}`))
      .catch((err: unknown) => this.log(`deleting ${pv.metadata.name} failed: ${String(err)}`))
      .finally(() => this.deleting.delete(pv.metadata.name));
  }

  async stop(): Promise<void> {
    await Promise.all([this.claims.stop(), this.volumes.stop(), this.classes.stop()]);
  }
}
