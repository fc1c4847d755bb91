// The CassandraCluster API (zod is the single source; crds/ is generated from it).
export * from './cassandra-cluster.ts';
export * from './limits.ts';
