// The management API contract (zod schemas, no node imports): the only seam between the operator
// and the node. docs/design/management-api.md describes it in prose.
export * from './version.ts';
export * from './errors.ts';
export * from './common.ts';
export * from './probes.ts';
export * from './node-info.ts';
export * from './cluster-view.ts';
export * from './schema-info.ts';
export * from './ring.ts';
export * from './stats.ts';
export * from './jobs.ts';
export * from './routes.ts';
