// What the operator's ServiceAccount must and must not be allowed to do, as `kubectl auth can-i`
// questions. The "allowed" list comes from the operator's code (informers over WATCHED_RESOURCES
// and Nodes, status PUT, Secret creation, server-side apply, merge patches, deletes, Lease
// election, events); the "denied" list pins least privilege. Watched kinds are imported from the
// operator so a newly watched resource fails here until the chart's RBAC grants it.
import { WATCHED_RESOURCES } from '../../operator/controllers/cassandracluster/reconciler.ts';
import { Resources } from '../../operator/runtime/index.ts';

export interface CanI {
  readonly verb: string;
  /** resource.group, optionally "/subresource" handled by `subresource`. */
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  /** 'watched': the watched namespace; 'release': the operator's namespace; 'cluster': cluster-scoped; 'other': a namespace not watched. */
  readonly where: 'watched' | 'release' | 'cluster' | 'other' | 'all-namespaces';
  readonly allowed: boolean;
}

const qualified = (r: { plural: string; group: string }): string => (r.group === '' ? r.plural : `${r.plural}.${r.group}`);

export function canIExpectations(options: { scope: 'Cluster' | 'Namespace'; leaseName: string }): CanI[] {
  const checks: CanI[] = [];
  const allow = (verb: string, resource: string, extra: Partial<CanI> = {}): void => {
    checks.push({ verb, resource, where: 'watched', allowed: true, ...extra });
  };
  const deny = (verb: string, resource: string, extra: Partial<CanI> = {}): void => {
    checks.push({ verb, resource, where: 'watched', allowed: false, ...extra });
  };
  // Informers: list + watch of everything the controller caches.
  for (const r of [Resources.cassandraCluster, ...WATCHED_RESOURCES]) {
    allow('list', qualified(r));
    allow('watch', qualified(r));
  }
  allow('list', 'nodes', { where: 'cluster' });
  allow('watch', 'nodes', { where: 'cluster' });
  // Writes found in operator/controllers/cassandracluster/apply.ts and operator/runtime.
  allow('update', 'cassandraclusters.cassia.dev', { subresource: 'status' });
  allow('update', 'cassandraclusters.cassia.dev', { subresource: 'finalizers' });
  for (const r of ['statefulsets.apps', 'poddisruptionbudgets.policy', 'configmaps']) {
    allow('create', r);
    allow('patch', r);
    allow('delete', r);
  }
  for (const r of ['services', 'serviceaccounts', 'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io']) {
    allow('create', r);
    allow('patch', r);
  }
  for (const r of ['pods', 'persistentvolumeclaims']) {
    allow('patch', r);
    allow('delete', r);
  }
  allow('create', 'secrets');
  allow('create', 'events');
  allow('patch', 'events');
  // Held so that the nodes' Role can be granted without escalate/bind.
  allow('list', 'endpointslices.discovery.k8s.io');
  // Leader election: one named Lease in the operator's namespace.
  checks.push({ verb: 'create', resource: 'leases.coordination.k8s.io', where: 'release', allowed: true });
  checks.push({ verb: 'get', resource: 'leases.coordination.k8s.io', name: options.leaseName, where: 'release', allowed: true });
  checks.push({ verb: 'update', resource: 'leases.coordination.k8s.io', name: options.leaseName, where: 'release', allowed: true });

  // Least privilege.
  deny('update', 'cassandraclusters.cassia.dev');
  deny('delete', 'cassandraclusters.cassia.dev');
  deny('create', 'pods');
  deny('update', 'secrets');
  deny('delete', 'secrets');
  deny('delete', 'services');
  deny('escalate', 'roles.rbac.authorization.k8s.io');
  deny('bind', 'roles.rbac.authorization.k8s.io');
  deny('create', 'pods', { subresource: 'exec' });
  checks.push({ verb: 'create', resource: 'clusterroles.rbac.authorization.k8s.io', where: 'cluster', allowed: false });
  checks.push({ verb: 'patch', resource: 'nodes', where: 'cluster', allowed: false });
  checks.push({ verb: 'update', resource: 'leases.coordination.k8s.io', name: 'someone-else', where: 'release', allowed: false });
  checks.push({ verb: 'list', resource: 'leases.coordination.k8s.io', where: 'release', allowed: false });
  if (options.scope === 'Namespace') {
    checks.push({ verb: 'list', resource: 'secrets', where: 'other', allowed: false });
    checks.push({ verb: 'list', resource: 'cassandraclusters.cassia.dev', where: 'all-namespaces', allowed: false });
    checks.push({ verb: 'create', resource: 'statefulsets.apps', where: 'other', allowed: false });
  } else {
    checks.push({ verb: 'list', resource: 'cassandraclusters.cassia.dev', where: 'all-namespaces', allowed: true });
  }
  return checks;
}

/** Arguments of `kubectl auth can-i` for one check. */
export function canIArgs(check: CanI, namespaces: { watched: string; release: string; other: string }): string[] {
  const target = check.name === undefined ? check.resource : `${check.resource}/${check.name}`;
  const args = ['auth', 'can-i', check.verb, target];
  if (check.subresource !== undefined) args.push(`--subresource=${check.subresource}`);
  if (check.where === 'all-namespaces') args.push('--all-namespaces');
  else if (check.where !== 'cluster') args.push('-n', namespaces[check.where]);
  return args;
}
