// Expected failures of the cluster layer that do not reach CQL clients (bad internode input,
// inconsistent gossip), with stable codes in one registry (STYLE.md rule 7). Client-facing
// configuration problems use CqlError(ConfigError) from lib instead.

export const ClusterErrorCode = {
  BadGossipMessage: 'CLUSTER_ERR_BAD_GOSSIP_MESSAGE',
  BadApplicationState: 'CLUSTER_ERR_BAD_APPLICATION_STATE',
} as const;
export type ClusterErrorCodeValue = (typeof ClusterErrorCode)[keyof typeof ClusterErrorCode];

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly code: ClusterErrorCodeValue;

  constructor(code: ClusterErrorCodeValue, message: string) {
    super(message);
    this.code = code;
  }
}
