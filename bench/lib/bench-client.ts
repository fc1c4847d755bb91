// The cassandra-driver client benchmarks use: protocol v4, a fixed number of connections per host,
// token-aware routing to the local data center (over every contact point given, e.g. all nodes of a
// local cluster: the driver then also discovers the rest from system.peers).
import cassandra from 'cassandra-driver';

export async function connectBenchClient(options: {
  /** `address:port`, or several (a cluster's nodes). */
  contactPoint: string | readonly string[];
  localDataCenter: string;
  connections: number;
}): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: typeof options.contactPoint === 'string' ? [options.contactPoint] : [...options.contactPoint],
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
