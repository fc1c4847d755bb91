// cassandra-driver clients for the peer targets: protocol v4 (what Cassia serves), Map/Set decoding
// so collection keys keep their CQL types (a second client with default decoding reads schema metadata).
import cassandra from 'cassandra-driver';

/** Cassandra's DDL can take seconds on a loaded 2-core machine. */
export const CLIENT_READ_TIMEOUT_MS = 30_000;

export async function connectClient(options: {
  contactPoint: string;
  localDataCenter: string;
  readTimeoutMs?: number;
  /**
   * The driver's default map/set decoding (objects and arrays). Its schema parser needs it: with
   * `encoding.map: Map` it reads `replication['class']` from a Map and loses the strategy.
   */
  defaultEncoding?: boolean;
}): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: [options.contactPoint],
    localDataCenter: options.localDataCenter,
    protocolOptions: { maxVersion: 4 },
    ...(options.defaultEncoding === true ? {} : { encoding: { map: Map, set: Set } }),
    socketOptions: { readTimeout: options.readTimeoutMs ?? CLIENT_READ_TIMEOUT_MS },
  });
  await client.connect();
  return client;
}
