// The CassandraCluster controller: observe -> plan -> apply.
export * from './status.ts';
export * from './observe.ts';
export * from './topology.ts';
export * from './cron.ts';
export * from './quantity.ts';
export * from './plan.ts';
export * from './apply.ts';
export * from './reconciler.ts';
export * from './setup.ts';
