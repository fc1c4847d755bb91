// Container environment as a kubelet builds it: envFrom then env (later wins), downward-API
// fieldRef/resourceFieldRef, ConfigMap/Secret keys, and $(VAR) expansion (`$$` escapes).
import type { ConfigMap, Container, Pod, Secret } from '../kube/types.ts';

export type EnvLookups = {
  configMap(namespace: string, name: string): Promise<ConfigMap | null>;
  secret(namespace: string, name: string): Promise<Secret | null>;
};

export type PodFacts = { podIP: string; hostIP: string; nodeCpu: string; nodeMemory: string };

/** A failure the kubelet reports as waiting reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

export async function resolveEnv(options: { pod: Pod; container: Container; facts: PodFacts; lookups: EnvLookups }): Promise<Map<string, string>> {
  const { pod, container, facts, lookups } = options;
  const ns = pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await lookups.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = await lookups.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) env.set(prefix + k, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env.set(e.name, expand(e.value ?? '', env));
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) {
      env.set(e.name, fieldValue(pod, vf.fieldRef.fieldPath, facts));
    } else if (vf.resourceFieldRef) {
      const c = pod.spec.containers.find((x) => x.name === (vf.resourceFieldRef!.containerName ?? container.name)) ?? container;
      env.set(e.name, resourceValue({ container: c, resource: vf.resourceFieldRef.resource, divisor: vf.resourceFieldRef.divisor, facts }));
    } else if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const cm = await lookups.configMap(ns, ref.name ?? '');
      const v = cm?.data?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
      }
      env.set(e.name, v);
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const s = await lookups.secret(ns, ref.name ?? '');
      const v = s?.data?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
      }
      env.set(e.name, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  return env;
}

/** Downward API field (env fieldRef and downwardAPI volume items). */
export function fieldValue(pod: Pod, fieldPath: string, facts: PodFacts): string {
  const md = pod.metadata;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return md.name;
    case 'metadata.namespace':
      return md.namespace ?? 'default';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.annotations':
      return formatMap(md.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.entries(m ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v}"`)
    .join('\n');
}

function resourceValue(options: { container: Container; resource: string; divisor: string | undefined; facts: PodFacts }): string {
  const [kind, name] = options.resource.split('.') as [string, string];
  const res = options.container.resources;
  const fromSpec = kind === 'requests' ? (res?.requests?.[name] ?? res?.limits?.[name]) : res?.limits?.[name];
  const fallback = name === 'cpu' ? options.facts.nodeCpu : name === 'memory' ? options.facts.nodeMemory : '0';
  const value = parseQuantity(fromSpec ?? fallback);
  const divisor = parseQuantity(options.divisor ?? '1');
  return String(Math.ceil(value / divisor));
}

const quantitySuffixes: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Kubernetes resource quantity ("500m", "2Gi", "1e3") as a number. */
export function parseQuantity(q: string): number {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  const mult = m ? quantitySuffixes[m[2]!] : undefined;
  if (!m || mult === undefined) throw new ContainerConfigError(`bad quantity "${q}"`);
  return Number(m[1]) * mult;
}

/** Kubernetes $(VAR) expansion: defined names are replaced, `$$` yields `$`, others stay. */
export function expand(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name.length > 0 ? vars.get(name) : undefined;
      out += v ?? `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}
