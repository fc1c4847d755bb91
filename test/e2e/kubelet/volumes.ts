// Materializes a pod's volumes as host folders (emptyDir, configMap, secret, downwardAPI,
// projected incl. service-account tokens, PVC -> its PV's folder, hostPath) and links each
// container mount into that container's stand-in root: <rootfs>/<mountPath> -> volume folder.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeRest } from '../kube/kube-rest.ts';
import type { ConfigMap, Container, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume } from '../kube/types.ts';
import { fieldValue, type PodFacts } from './env.ts';

/** Service-account token lifetime requested when a projection does not say (kubelet default). */
export const serviceAccountTokenDefaultSeconds = 3607;
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A volume that cannot be set up yet (PVC unbound, ConfigMap missing): retried by the kubelet. */
export class VolumeNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeNotReadyError';
  }
}

export type VolumeHost = {
  rest: KubeRest;
  facts: PodFacts;
};

/** Sets up every volume of the pod; returns volume name -> host folder. */
export async function materializeVolumes(options: { pod: Pod; podDir: string; host: VolumeHost }): Promise<Map<string, string>> {
  const { pod, podDir, host } = options;
  const result = new Map<string, string>();
  for (const vol of pod.spec.volumes ?? []) {
    result.set(vol.name, await materializeOne({ pod, vol, dir: path.join(podDir, 'volumes', vol.name), host }));
  }
  return result;
}

async function materializeOne(options: { pod: Pod; vol: Volume; dir: string; host: VolumeHost }): Promise<string> {
  const { pod, vol, dir, host } = options;
  const ns = pod.metadata.namespace ?? 'default';
  if (vol.persistentVolumeClaim) {
    const claim = vol.persistentVolumeClaim.claimName;
    const pvc = await host.rest.getOrNull<PersistentVolumeClaim>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`);
    if (!pvc) throw new VolumeNotReadyError(`persistentvolumeclaim "${claim}" not found`);
    if (!pvc.spec.volumeName || pvc.status?.phase !== 'Bound') throw new VolumeNotReadyError(`persistentvolumeclaim "${claim}" is not bound`);
    const pv = await host.rest.getOrNull<PersistentVolume>(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
    const p = pv?.spec.local?.path ?? pv?.spec.hostPath?.path;
    if (!p) throw new VolumeNotReadyError(`persistentvolume "${pvc.spec.volumeName}" has no local/hostPath path`);
    fs.mkdirSync(p, { recursive: true });
    return p;
  }
  if (vol.hostPath) {
    fs.mkdirSync(vol.hostPath.path, { recursive: true });
    return vol.hostPath.path;
  }
  // Everything else lives in the pod's folder and is rewritten on each container start.
  fs.mkdirSync(dir, { recursive: true });
  if (vol.emptyDir) return dir;
  const files = new Map<string, { data: Buffer; mode?: number }>();
  if (vol.configMap) {
    await addConfigMap({ files, rest: host.rest, ns, name: vol.configMap.name, items: vol.configMap.items, optional: vol.configMap.optional });
  } else if (vol.secret) {
    await addSecret({ files, rest: host.rest, ns, name: vol.secret.secretName, items: vol.secret.items, optional: vol.secret.optional });
  } else if (vol.downwardAPI) {
    for (const item of vol.downwardAPI.items) {
      if (item.fieldRef) files.set(item.path, { data: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, host.facts)) });
    }
  } else if (vol.projected) {
    for (const src of vol.projected.sources) {
      if (src.configMap) await addConfigMap({ files, rest: host.rest, ns, name: src.configMap.name, items: src.configMap.items, optional: src.configMap.optional });
      if (src.secret) await addSecret({ files, rest: host.rest, ns, name: src.secret.name, items: src.secret.items, optional: src.secret.optional });
      if (src.downwardAPI) {
        for (const item of src.downwardAPI.items) {
          if (item.fieldRef) files.set(item.path, { data: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, host.facts)) });
        }
      }
      if (src.serviceAccountToken) {
        const token = await requestToken({ rest: host.rest, pod, audience: src.serviceAccountToken.audience, expirationSeconds: src.serviceAccountToken.expirationSeconds });
        files.set(src.serviceAccountToken.path, { data: Buffer.from(token), mode: 0o600 });
      }
    }
  } else {
    throw new VolumeNotReadyError(`volume "${vol.name}": unsupported volume type for the e2e kubelet`);
  }
  writeFiles(dir, files);
  return dir;
}

async function addConfigMap(options: {
  files: Map<string, { data: Buffer; mode?: number }>;
  rest: KubeRest;
  ns: string;
  name: string;
  items: KeyToPath[] | undefined;
  optional: boolean | undefined;
}): Promise<void> {
  const cm = await options.rest.getOrNull<ConfigMap>(`/api/v1/namespaces/${options.ns}/configmaps/${options.name}`);
  if (!cm) {
    if (options.optional) return;
    throw new VolumeNotReadyError(`configmap "${options.name}" not found`);
  }
  const all = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) all.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) all.set(k, Buffer.from(v, 'base64'));
  addItems({ ...options, all, kind: 'configmap' });
}

async function addSecret(options: {
  files: Map<string, { data: Buffer; mode?: number }>;
  rest: KubeRest;
  ns: string;
  name: string;
  items: KeyToPath[] | undefined;
  optional: boolean | undefined;
}): Promise<void> {
  const s = await options.rest.getOrNull<Secret>(`/api/v1/namespaces/${options.ns}/secrets/${options.name}`);
  if (!s) {
    if (options.optional) return;
    throw new VolumeNotReadyError(`secret "${options.name}" not found`);
  }
  const all = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) all.set(k, Buffer.from(v, 'base64'));
  addItems({ ...options, all, kind: 'secret' });
}

function addItems(options: {
  files: Map<string, { data: Buffer; mode?: number }>;
  all: Map<string, Buffer>;
  items: KeyToPath[] | undefined;
  name: string;
  kind: string;
  optional: boolean | undefined;
}): void {
  if (!options.items) {
    for (const [k, v] of options.all) options.files.set(k, { data: v });
    return;
  }
  for (const item of options.items) {
    const v = options.all.get(item.key);
    if (v === undefined) {
      if (options.optional) continue;
      throw new VolumeNotReadyError(`${options.kind} "${options.name}" has no key ${item.key}`);
    }
    options.files.set(item.path, { data: v, ...(item.mode === undefined ? {} : { mode: item.mode }) });
  }
}

function writeFiles(dir: string, files: Map<string, { data: Buffer; mode?: number }>): void {
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  for (const [rel, f] of files) {
    const target = path.resolve(dir, rel);
    if (!target.startsWith(dir + path.sep)) throw new VolumeNotReadyError(`path ${rel} escapes the volume`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.data, { mode: f.mode ?? 0o644 });
  }
}

async function requestToken(options: { rest: KubeRest; pod: Pod; audience: string | undefined; expirationSeconds: number | undefined }): Promise<string> {
  const { pod } = options;
  const ns = pod.metadata.namespace ?? 'default';
  const sa = pod.spec.serviceAccountName ?? 'default';
  const tr = await options.rest.create<{ status?: { token?: string } }>(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      ...(options.audience ? { audiences: [options.audience] } : {}),
      expirationSeconds: options.expirationSeconds ?? serviceAccountTokenDefaultSeconds,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
    },
  });
  const token = tr.status?.token;
  if (!token) throw new VolumeNotReadyError(`no token for serviceaccount ${ns}/${sa}`);
  return token;
}

/**
 * Links each mount of the container under rootfs (replacing links of a previous start).
 * Returns the mount paths (for argument rewriting).
 */
export function linkMounts(options: { container: Container; rootfs: string; volumes: Map<string, string> }): string[] {
  const { container, rootfs, volumes } = options;
  fs.mkdirSync(rootfs, { recursive: true });
  const mountPaths: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const source0 = volumes.get(m.name);
    if (source0 === undefined) throw new VolumeNotReadyError(`volume "${m.name}" of mount ${m.mountPath} not found`);
    let source = source0;
    if (m.subPath) {
      source = path.resolve(source0, m.subPath);
      if (!source.startsWith(source0)) throw new VolumeNotReadyError(`subPath ${m.subPath} escapes the volume`);
      if (!fs.existsSync(source)) fs.mkdirSync(source, { recursive: true });
    }
    const target = path.join(rootfs, m.mountPath);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.symlinkSync(source, target);
    mountPaths.push(m.mountPath);
  }
  return mountPaths;
}
