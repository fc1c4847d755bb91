// The operator's small controller runtime on @kubernetes/client-node.
export * from './clock.ts';
export * from './kube-api.ts';
export * from './memory-kube-api.ts';
export * from './http-kube-api.ts';
export * from './logger.ts';
export * from './rate-limiter.ts';
export * from './workqueue.ts';
export * from './informer.ts';
export * from './leader-election.ts';
export * from './event-recorder.ts';
export * from './metrics.ts';
export * from './health-server.ts';
export * from './controller.ts';
export * from './informer-cache.ts';
