// Example documents of the contract, valid against its schemas: used by tests (here, in the client
// and in the operator) and by the node-side server's tests as a reference answer.
import type { NodeInfo } from './node-info.ts';

export const sampleNodeInfo: NodeInfo = {
  hostId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  clusterName: 'prod',
  datacenter: 'dc1',
  rack: 'r1',
  operationMode: 'NORMAL',
  bootstrapped: true,
  isSeed: false,
  listenAddress: '10.0.0.1',
  rpcAddress: '10.0.0.1',
  nativeTransportPort: 9042,
  storagePort: 7000,
  nativeTransportRunning: true,
  gossipRunning: true,
  releaseVersion: '0.1.0',
  schemaVersion: '5c3c6f8e-2a6b-4c8d-9e0f-1a2b3c4d5e6f',
  tokens: ['-9223372036854775808', '0', '9223372036854775807'],
  loadBytes: 1024,
  dataDisk: { totalBytes: 10_000, freeBytes: 5_000 },
  startedAtMs: 1_700_000_000_000,
  uptimeMs: 1000,
  managementApi: { version: 'v1', revision: 1 },
};
