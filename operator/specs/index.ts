// Pure builders: CassandraCluster -> the Kubernetes objects that run it.
export * from './names.ts';
export * from './hash.ts';
export * from './config.ts';
export * from './statefulset.ts';
export * from './services.ts';
export * from './pdb.ts';
export * from './rbac.ts';
export * from './secrets.ts';
export * from './configmap.ts';
