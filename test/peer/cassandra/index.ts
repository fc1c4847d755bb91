// Public surface of the Cassandra peer launcher (used by test/peer and bench/peer.ts).
export { CASSANDRA_VERSION, cassandraHomeDir, missingPeerTools, resolveCassandraArtifacts } from './cassandra-artifacts.ts';
export type { CassandraArtifacts } from './cassandra-artifacts.ts';
export type { CommitLogSyncMode } from './cassandra-config.ts';
export { defaultHeapMb } from './jvm-options.ts';
export { PEER_ADDRESS_DEFAULT, startCassandraPeer } from './cassandra-peer.ts';
export { isListening } from '../process-control.ts';
export type { CassandraPeer, CassandraPeerOptions } from './cassandra-peer.ts';
export { PEER_CLUSTER_NODES_MAX, startCassandraCluster } from './cassandra-cluster.ts';
export type { CassandraCluster, CassandraClusterOptions } from './cassandra-cluster.ts';
