// Bounds of the CassandraCluster API. Every list and string has one (CEL cost estimation needs
// them, and the operator's loops are bounded by them). Names are bounded so that every derived
// object name fits: a StatefulSet name `<cluster>-<dc>-<rack>` must stay <= 52 characters
// (pod names append `-<ordinal>` and the controller-revision-hash label appends 11 characters).

export const DATACENTERS_MAX = 8;
export const RACKS_PER_DATACENTER_MAX = 16;
export const NODES_PER_DATACENTER_MAX = 1000;
export const DATACENTER_NAME_CHARS_MAX = 24;
export const RACK_NAME_CHARS_MAX = 24;
/** metadata.name + dc + rack + two dashes: StatefulSet name bound. */
export const STATEFULSET_NAME_CHARS_MAX = 52;
export const CLUSTER_NAME_CHARS_MAX = 63;
export const IMAGE_CHARS_MAX = 512;
export const SECRET_NAME_CHARS_MAX = 253;
export const LABEL_VALUE_CHARS_MAX = 63;
export const LABELS_MAX = 32;
export const TOLERATIONS_MAX = 32;
export const KEYSPACES_MAX = 256;
export const CRON_CHARS_MAX = 128;
export const NUM_TOKENS_MAX = 256;
export const STATUS_NODES_MAX = DATACENTERS_MAX * NODES_PER_DATACENTER_MAX;
export const STATUS_CONDITIONS_MAX = 32;
export const STATUS_HISTORY_MAX = 10;
export const MESSAGE_CHARS_MAX = 1024;
