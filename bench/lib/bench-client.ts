// The cassandra-driver client benchmarks use: protocol v4, a fixed number of connections per host,
// token-aware routing to the local data center.
import cassandra from 'cassandra-driver';

export async function connectBenchClient(options: {
  contactPoint: string;
  localDataCenter: string;
  connections: number;
}): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: [options.contactPoint],
    localDataCenter: options.localDataCenter,
    protocolOptions: { maxVersion: 4 },
    pooling: {
      coreConnectionsPerHost: {
        [cassandra.types.distance.local]: options.connections,
        [cassandra.types.distance.remote]: 1,
      },
    },
    socketOptions: { readTimeout: 12_000 },
  });
  await client.connect();
  return client;
}
