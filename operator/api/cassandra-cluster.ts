// The CassandraCluster v1alpha1 API in zod: the single source of the CRD (scripts/gen-crds.ts turns
// it into OpenAPI v3 with the descriptions, defaults and CEL rules below) and of the operator's
// types. Parsing a stored object with CassandraClusterSpecSchema applies the same defaults the API
// server applies, so the operator never sees an undefined default.
import { z } from 'zod';
import {
  CLUSTER_NAME_CHARS_MAX,
  CRON_CHARS_MAX,
  DATACENTER_NAME_CHARS_MAX,
  DATACENTERS_MAX,
  IMAGE_CHARS_MAX,
  KEYSPACES_MAX,
  LABEL_VALUE_CHARS_MAX,
  LABELS_MAX,
  MESSAGE_CHARS_MAX,
  NODES_PER_DATACENTER_MAX,
  NUM_TOKENS_MAX,
  RACK_NAME_CHARS_MAX,
  RACKS_PER_DATACENTER_MAX,
  SECRET_NAME_CHARS_MAX,
  STATEFULSET_NAME_CHARS_MAX,
  STATUS_CONDITIONS_MAX,
  STATUS_HISTORY_MAX,
  STATUS_NODES_MAX,
  TOLERATIONS_MAX,
} from './limits.ts';

export const API_GROUP = 'cassia.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;
export const KIND = 'CassandraCluster';
export const PLURAL = 'cassandraclusters';
export const SINGULAR = 'cassandracluster';
export const SHORT_NAMES = ['cc'] as const;
export const CATEGORIES = ['cassia', 'all'] as const;

/** A CEL rule as the API server takes it in x-kubernetes-validations. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  readonly fieldPath?: string;
}

function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes resource.Quantity text, e.g. 10Gi, 500m, 2. */
export const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

const quantity = (description: string) =>
  z.union([z.string().max(64).regex(new RegExp(QUANTITY_PATTERN)), z.number().int().nonnegative()])
    .meta({ description, 'x-kubernetes-int-or-string': true });

const labelMap = (description: string) =>
  z.record(z.string().max(317), z.string().max(LABEL_VALUE_CHARS_MAX)).meta({ description, maxProperties: LABELS_MAX });

const annotationMap = (description: string) =>
  z.record(z.string().max(317), z.string().max(64 * 1024)).meta({ description, maxProperties: LABELS_MAX });

/** Free-form Kubernetes objects we pass through unchanged (tolerations, affinity terms). */
const passThroughObject = (description: string) =>
  z.record(z.string(), z.unknown()).meta({ description, 'x-kubernetes-preserve-unknown-fields': true });

export const ResourceRequirementsSchema = z.object({
  requests: z.object({
    cpu: quantity('CPU the node container requests, e.g. "2" or "1500m".').optional(),
    memory: quantity('Memory the node container requests, e.g. "8Gi". The node sizes its caches from the limit, or the request when no limit is set.').optional(),
  }).optional().meta({ description: 'Requests used for scheduling.' }),
  limits: z.object({
    cpu: quantity('CPU limit. Leave unset to avoid CFS throttling of the shard threads.').optional(),
    memory: quantity('Memory limit; the node keeps its heap and caches below it.').optional(),
  }).optional().meta({ description: 'Hard limits enforced by the kubelet.' }),
}).meta({ description: 'CPU and memory of the Cassia container (one shard per CPU).' });
export type ResourceRequirements = z.infer<typeof ResourceRequirementsSchema>;

export const StorageSchema = z.object({
  storageClassName: z.string().max(253).optional().meta({
    description: 'StorageClass of the data volume claims; the cluster default class when unset. Immutable once set.',
    ...cel({ rule: 'self == oldSelf', message: 'storageClassName is immutable' }),
  }),
  size: quantity('Capacity requested by each node\'s data volume claim, e.g. "100Gi". It may grow (the operator expands the claims when the class allows it) but never shrink.').default('10Gi'),
}).meta({ description: 'Persistent storage of each node: one volume claim per node holding data and commit log.' });
export type Storage = z.infer<typeof StorageSchema>;

/**
 * Per-DC storage override. No defaults here: a default inside a list item (datacenters[]) makes
 * client-side `kubectl apply` and GitOps three-way diffs see a change on every sync, because the
 * whole list is compared. An unset size inherits spec.storage.size.
 */
export const DatacenterStorageSchema = z.object({
  storageClassName: z.string().max(253).optional().meta({
    description: 'StorageClass of this datacenter\'s data volume claims; the cluster default class when unset (spec.storage.storageClassName is not inherited). Immutable once set.',
    ...cel({ rule: 'self == oldSelf', message: 'storageClassName is immutable' }),
  }),
  size: quantity('Capacity of each node\'s data volume claim in this datacenter; spec.storage.size when unset. It may grow but never shrink.').optional(),
}).meta({ description: 'Overrides spec.storage for this datacenter.' });
export type DatacenterStorage = z.infer<typeof DatacenterStorageSchema>;

export const PodTemplateSchema = z.object({
  labels: labelMap('Extra labels on every node pod (the operator\'s own cassia.dev/* labels win).').optional(),
  annotations: annotationMap('Extra annotations on every node pod. Changing them restarts nodes one at a time.').optional(),
  tolerations: z.array(passThroughObject('A core/v1 Toleration.')).max(TOLERATIONS_MAX).optional()
    .meta({ description: 'Tolerations of the node pods (core/v1 Toleration objects).' }),
  nodeSelector: labelMap('Node labels the pods must match, in addition to the rack\'s zone or labels.').optional(),
  priorityClassName: z.string().max(253).optional().meta({ description: 'PriorityClass of the node pods.' }),
  terminationGracePeriodSeconds: z.number().int().min(30).max(3600).default(120)
    .meta({ description: 'Time a node has to drain (flush memtables, stop serving) before it is killed.' }),
  antiAffinity: z.enum(['Required', 'Preferred', 'None']).default('Required')
    .meta({ description: 'Spreading of node pods over Kubernetes nodes: Required = at most one Cassia node per Kubernetes node (the default), Preferred = best effort, None = no rule (tests, tiny clusters).' }),
  imagePullSecrets: z.array(z.object({ name: z.string().max(253).meta({ description: 'Secret name.' }) })).max(8).optional()
    .meta({ description: 'Secrets used to pull the image.' }),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent')
    .meta({ description: 'Pull policy of the Cassia image.' }),
}).meta({ description: 'Settings of the node pods beyond image and resources.' });
export type PodTemplate = z.infer<typeof PodTemplateSchema>;

export const RackSchema = z.object({
  name: z.string().min(1).max(RACK_NAME_CHARS_MAX).regex(DNS_LABEL)
    .meta({ description: 'Rack name (snitch rack of its nodes); a DNS label. One StatefulSet per rack. Racks cannot be renamed or removed.' }),
  zone: z.string().min(1).max(LABEL_VALUE_CHARS_MAX).optional()
    .meta({ description: 'Zone of the rack: its pods get a required node affinity on topology.kubernetes.io/zone. Immutable.' }),
  nodeAffinityLabels: labelMap('Node labels the rack\'s pods require (required node affinity, In [value] per label), for racks that are not zones.').optional(),
}).meta({ description: 'A rack: a failure domain with its own StatefulSet. Nodes of a DC are spread evenly over its racks (the first racks get the remainder).' });
export type Rack = z.infer<typeof RackSchema>;

export const KeyspaceReplicationSchema = z.object({
  name: z.string().max(48).regex(/^[A-Za-z0-9_]{1,48}$/).meta({ description: 'Keyspace name.' }),
  replicationFactor: z.number().int().min(1).max(16).meta({ description: 'Replication factor to give it in the new datacenter.' }),
}).meta({ description: 'A user keyspace to extend to a datacenter being added.' });

export const DatacenterJoinSchema = z.object({
  sourceDatacenter: z.string().max(DATACENTER_NAME_CHARS_MAX).optional()
    .meta({ description: 'Existing datacenter to rebuild from; the first other datacenter of the spec when unset.' }),
  keyspaces: z.array(KeyspaceReplicationSchema).max(KEYSPACES_MAX).optional()
    .meta({ description: 'User keyspaces whose replication the operator extends to this datacenter before rebuilding it (none when unset). System keyspaces (system_auth, system_distributed, system_traces) are always extended.' }),
}).meta({ description: 'How a datacenter added to a running cluster is filled: its nodes join without bootstrap (auto_bootstrap false), replication is extended, then each node rebuilds from the source datacenter.' });

export const DatacenterSchema = z.object({
  name: z.string().min(1).max(DATACENTER_NAME_CHARS_MAX).regex(DNS_LABEL)
    .meta({ description: 'Datacenter name (snitch DC of its nodes); a DNS label, unique in the cluster.' }),
  size: z.number().int().min(1).max(NODES_PER_DATACENTER_MAX)
    .meta({ description: 'Number of nodes in this datacenter, at least one per rack. Raising it bootstraps nodes one at a time across racks, then runs cleanup; lowering it decommissions nodes one at a time (refused while a keyspace\'s replication factor in this DC, or the free disk of the remaining nodes, would not allow it).' }),
  // Required, with no default: a defaulted list inside a list item would make every client-side
  // apply and GitOps diff report a change (see DatacenterStorageSchema).
  racks: z.array(RackSchema).min(1).max(RACKS_PER_DATACENTER_MAX)
    .meta({
      description: 'Racks of this datacenter (required; e.g. [{name: r1}] for a single rack). Rack names are unique; racks can be added but not removed or renamed.',
      ...cel({ rule: 'self.all(r, self.exists_one(s, s.name == r.name))', message: 'rack names must be unique within a datacenter' }),
    }),
  storage: DatacenterStorageSchema.optional(),
  resources: ResourceRequirementsSchema.optional().meta({ description: 'Overrides spec.resources for this datacenter.' }),
  config: passThroughObject('cassia.yaml keys for this datacenter, merged over spec.config.').optional(),
  join: DatacenterJoinSchema.optional(),
}).meta({
  description: 'A datacenter of the cluster. Adding one to a running cluster joins it and rebuilds it from an existing one; removing one decommissions its nodes, refused while a keyspace still replicates to it.',
  ...cel(
    { rule: 'self.size >= self.racks.size()', message: 'size must be at least the number of racks', fieldPath: '.size' },
    { rule: 'oldSelf.racks.all(r, self.racks.exists(n, n.name == r.name))', message: 'racks cannot be removed or renamed', fieldPath: '.racks' },
    {
      rule: "oldSelf.racks.all(r, !self.racks.exists(n, n.name == r.name) || self.racks.exists(n, n.name == r.name && (has(n.zone) ? n.zone : '') == (has(r.zone) ? r.zone : '')))",
      message: "a rack's zone is immutable",
      fieldPath: '.racks',
    },
  ),
});
export type Datacenter = z.infer<typeof DatacenterSchema>;

export const AuthSchema = z.object({
  enabled: z.boolean().default(true)
    .meta({ description: 'Require CQL authentication (PasswordAuthenticator and CassandraAuthorizer).' }),
  superuserSecretName: z.string().max(SECRET_NAME_CHARS_MAX).optional()
    .meta({ description: 'Secret with keys username and password for the CQL superuser; the operator generates <name>-superuser when unset.' }),
}).meta({ description: 'CQL authentication.' });

export const TlsSchema = z.object({
  clientSecretName: z.string().max(SECRET_NAME_CHARS_MAX).optional()
    .meta({ description: 'kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) for client (CQL) encryption; off when unset.' }),
  internodeSecretName: z.string().max(SECRET_NAME_CHARS_MAX).optional()
    .meta({ description: 'kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) for internode encryption; off when unset.' }),
}).meta({ description: 'TLS certificates. Changing them restarts nodes one at a time.' });

/** One cron field: comma-separated items `*`, `v`, `a-b`, each with an optional `/step`. */
const cronField = (value: string): string => {
  const item = `(\\*|${value}(-${value})?)(/[1-9][0-9]?)?`;
  return `${item}(,${item})*`;
};

/**
 * repair.schedule as the API server checks it (RE2 and ECMAScript agree on this subset): a macro,
 * or five fields with each number within its field's range (minute 0-59, hour 0-23, day 1-31,
 * month 1-12, weekday 0-7, 7 = Sunday). Not expressible here and reported by the operator as
 * Valid=False instead: a range written backwards (5-1) and a date that never comes (31 2).
 */
export const CRON_PATTERN = `^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|${[
  cronField('[0-5]?[0-9]'),
  cronField('([01]?[0-9]|2[0-3])'),
  cronField('(0?[1-9]|[12][0-9]|3[01])'),
  cronField('(0?[1-9]|1[0-2])'),
  cronField('[0-7]'),
].join('[ \\t]+')})$`;

export const RepairSchema = z.object({
  enabled: z.boolean().default(false).meta({ description: 'Run scheduled repairs.' }),
  schedule: z.string().max(CRON_CHARS_MAX).regex(new RegExp(CRON_PATTERN)).default('0 3 * * 0')
    .meta({ description: 'Cron schedule in UTC: five fields (minute hour day-of-month month day-of-week) of numbers, *, ranges a-b, steps /n and comma lists, e.g. "0 3 * * 0"; or @hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually). When both day fields are restricted, a day matching either runs (Vixie cron). Each run repairs every node\'s primary ranges, one node after the other. Keep the period below gc_grace_seconds (10 days by default).' }),
  keyspaces: z.array(z.string().max(48).regex(/^[A-Za-z0-9_]{1,48}$/)).max(KEYSPACES_MAX).default([])
    .meta({ description: 'Keyspaces to repair; every non-system keyspace when empty.' }),
  intensity: z.number().gt(0).max(1).default(1)
    .meta({ description: 'Fraction of the node\'s streaming and validation throughput a repair may use, in (0, 1].' }),
}).meta({ description: 'Scheduled anti-entropy repair run by the operator through the management API; the last result is in status.repair.' });

export const ReplacementSchema = z.object({
  automatic: z.boolean().default(false)
    .meta({ description: 'Replace a dead node automatically: a bootstrapped node whose pod stays unschedulable, or whose Kubernetes node is gone or NotReady, for longer than delaySeconds is recreated on a fresh volume and takes over its tokens. A node that merely crashes is never replaced automatically. Manual replacement: annotate the pod cassia.dev/replace=true.' }),
  delaySeconds: z.number().int().min(60).max(7 * 24 * 3600).default(600)
    .meta({ description: 'How long a node must be lost before an automatic replacement starts.' }),
}).meta({ description: 'Dead-node replacement.' });

export const PvcRetentionSchema = z.object({
  whenScaled: z.enum(['Delete', 'Retain']).default('Delete')
    .meta({ description: 'What happens to a decommissioned node\'s volume claim after it has left the ring: Delete (default) or Retain.' }),
  whenDeleted: z.enum(['Delete', 'Retain']).default('Retain')
    .meta({ description: 'What happens to the volume claims when the CassandraCluster is deleted: Retain (default, data kept) or Delete.' }),
}).meta({ description: 'Volume claim retention on scale-down and on deletion. Stopping the cluster always keeps them.' });

export const ClientServiceSchema = z.object({
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP')
    .meta({ description: 'Type of the <name>-client Service (CQL port 9042 of ready nodes).' }),
  annotations: annotationMap('Annotations of the client Service (e.g. for a cloud load balancer).').optional(),
}).meta({ description: 'The CQL Service applications connect to.' });

export const CassandraClusterSpecSchema = z.object({
  clusterName: z.string().min(1).max(CLUSTER_NAME_CHARS_MAX).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/)
    .meta({
      description: 'Cassandra cluster_name of every node. Immutable: nodes refuse to join a cluster with another name.',
      ...cel({ rule: 'self == oldSelf', message: 'clusterName is immutable' }),
    }),
  image: z.string().min(1).max(IMAGE_CHARS_MAX).default('ghcr.io/cassia-db/cassia-node:0.1.0')
    .meta({ description: 'Container image of the nodes. Changing it upgrades the nodes one at a time, each waiting for the previous one to be NORMAL and serving.' }),
  numTokens: z.number().int().min(1).max(NUM_TOKENS_MAX).default(16)
    .meta({ description: 'num_tokens (vnodes) of new nodes. Existing nodes keep their tokens.' }),
  datacenters: z.array(DatacenterSchema).min(1).max(DATACENTERS_MAX)
    .meta({
      description: 'Datacenters of the cluster, all in this namespace. The first one is created first; the others join it.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    }),
  storage: StorageSchema.prefault({}),
  resources: ResourceRequirementsSchema.optional(),
  config: passThroughObject('cassia.yaml keys (snake_case, as cassandra.yaml) merged over the generated file, e.g. {concurrent_compactors: 2, hinted_handoff_enabled: false}. Keys the operator owns (cluster_name, seed_provider, listen_address, rpc_address, endpoint_snitch, data_file_directories, commitlog_directory, ports, auto_bootstrap) are refused. Changing it restarts nodes one at a time.').optional(),
  podTemplate: PodTemplateSchema.prefault({}),
  auth: AuthSchema.prefault({}),
  tls: TlsSchema.optional(),
  repair: RepairSchema.prefault({}),
  stopped: z.boolean().default(false)
    .meta({ description: 'Stop the cluster: drain every node, then scale every rack to zero pods, keeping the volume claims. Setting it back to false starts the nodes again (already-bootstrapped nodes start in parallel).' }),
  replacement: ReplacementSchema.prefault({}),
  persistentVolumeClaimRetentionPolicy: PvcRetentionSchema.prefault({}),
  clientService: ClientServiceSchema.prefault({}),
}).meta({ description: 'Desired state of a Cassia (Cassandra-compatible) cluster.' });
export type CassandraClusterSpec = z.output<typeof CassandraClusterSpecSchema>;
export type CassandraClusterSpecInput = z.input<typeof CassandraClusterSpecSchema>;

// ----------------------------------------------------------------------------------------------
// Status

const time = (description: string) => z.string().max(64).meta({ description, format: 'date-time' });

export const ConditionSchema = z.object({
  type: z.string().max(64).meta({ description: 'Condition type (Ready, Progressing, Degraded, ScalingUp, ScalingDown, Updating, Repairing, ReplacingNode, Stopped, AddingDatacenter, RemovingDatacenter, Blocked, Valid).' }),
  status: z.enum(['True', 'False', 'Unknown']).meta({ description: 'True, False or Unknown.' }),
  reason: z.string().max(128).meta({ description: 'CamelCase reason, one of the operator\'s constants.' }),
  message: z.string().max(MESSAGE_CHARS_MAX).meta({ description: 'Human-readable explanation.' }),
  lastTransitionTime: time('When the status last changed.'),
  observedGeneration: z.number().int().optional().meta({ description: 'metadata.generation the condition was computed from.' }),
}).meta({ description: 'A standard Kubernetes condition.' });
export type Condition = z.infer<typeof ConditionSchema>;

export const OperationTypeSchema = z.enum([
  'Create', 'ScaleUp', 'ScaleDown', 'RollingRestart', 'Stop', 'Resume', 'ReplaceNode', 'AddDatacenter', 'RemoveDatacenter', 'Cleanup',
]);
export type OperationType = z.infer<typeof OperationTypeSchema>;

export const OperationSchema = z.object({
  id: z.string().max(64).meta({ description: 'Unique id (op-<n>); used in the requestId of management API jobs so a resumed step never starts twice.' }),
  type: OperationTypeSchema.meta({ description: 'What the operation does.' }),
  phase: z.string().max(64).meta({ description: 'Current step of the operation.' }),
  datacenter: z.string().max(DATACENTER_NAME_CHARS_MAX).optional().meta({ description: 'Datacenter concerned.' }),
  rack: z.string().max(RACK_NAME_CHARS_MAX).optional().meta({ description: 'Rack concerned.' }),
  pod: z.string().max(63).optional().meta({ description: 'Pod concerned by the current step.' }),
  hostId: z.string().max(64).optional().meta({ description: 'Host id of the node concerned (decommission, replacement).' }),
  address: z.string().max(64).optional().meta({ description: 'Address of the node concerned (the old address for a replacement).' }),
  podUid: z.string().max(64).optional().meta({ description: 'UID of the pod deleted by the current step (restart, replacement), to tell its successor apart.' }),
  jobId: z.string().max(128).optional().meta({ description: 'Management API job of the current step.' }),
  reason: z.string().max(MESSAGE_CHARS_MAX).optional().meta({ description: 'Why the operation runs (e.g. the fields whose change requires a restart).' }),
  pods: z.array(z.string().max(63)).max(NODES_PER_DATACENTER_MAX).optional().meta({ description: 'Pods still to process (rolling restart, cleanup, rebuild).' }),
  skippedKeyspaces: z.array(z.string().max(48)).max(8).optional().meta({ description: 'Best-effort system keyspaces (system_distributed, system_traces) whose replication the node refused to change (MGMT_ERR_REFUSED); the operation went on without them.' }),
  startedAt: time('When the operation started.'),
  lastProgressAt: time('When the operation last advanced.'),
  progress: z.string().max(MESSAGE_CHARS_MAX).optional().meta({ description: 'Progress of the current step, e.g. "2/5 pods".' }),
  lastError: z.string().max(MESSAGE_CHARS_MAX).optional().meta({ description: 'Last error met; the step is retried.' }),
  attempts: z.number().int().nonnegative().default(0).meta({ description: 'Attempts of the current step.' }),
  summary: z.string().max(256).meta({ description: 'One-line summary shown in the Operation printer column.' }),
}).meta({ description: 'Journal of the topology operation in progress. It is written before each step and survives operator restarts; spec changes that need another topology operation wait until it is finished.' });
export type Operation = z.infer<typeof OperationSchema>;

export const OperationRecordSchema = z.object({
  id: z.string().max(64).meta({ description: 'Operation id.' }),
  type: OperationTypeSchema.meta({ description: 'Operation type.' }),
  result: z.enum(['Succeeded', 'Failed', 'Abandoned']).meta({ description: 'How it ended.' }),
  startedAt: time('Start time.'),
  finishedAt: time('End time.'),
  message: z.string().max(MESSAGE_CHARS_MAX).meta({ description: 'Summary.' }),
}).meta({ description: 'A finished operation.' });
export type OperationRecord = z.infer<typeof OperationRecordSchema>;

export const NodeStatusSchema = z.object({
  pod: z.string().max(63).meta({ description: 'Pod name.' }),
  datacenter: z.string().max(DATACENTER_NAME_CHARS_MAX).meta({ description: 'Datacenter.' }),
  rack: z.string().max(RACK_NAME_CHARS_MAX).meta({ description: 'Rack.' }),
  hostId: z.string().max(64).optional().meta({ description: 'Host id once the node has joined; kept while the pod is gone so a replacement knows what it replaces.' }),
  address: z.string().max(64).optional().meta({ description: 'Last known pod IP (listen address).' }),
  lastNormalAddress: z.string().max(64).optional().meta({ description: 'Address at which this host id was last seen NORMAL: a pod that comes back without its volume replaces the node at this address (published in <name>-replace).' }),
  state: z.string().max(32).meta({ description: 'Ring state (JOINING, NORMAL, LEAVING, LEFT, ...) or pod state (Pending, Starting, Down, Stopped) when the node cannot answer.' }),
  ready: z.boolean().meta({ description: 'The pod is Ready (NORMAL and serving CQL).' }),
  seed: z.boolean().meta({ description: 'The node is a seed.' }),
  tokenCount: z.number().int().nonnegative().optional().meta({ description: 'Tokens the node owns.' }),
  loadBytes: z.number().int().nonnegative().optional().meta({ description: 'Live data size.' }),
  pendingRestart: z.string().max(MESSAGE_CHARS_MAX).optional().meta({ description: 'Why the pod must be restarted (its template is out of date), until it is.' }),
  lostSince: time('Since when the node has been lost (unschedulable, on a gone or NotReady Kubernetes node).').optional(),
}).meta({ description: 'One node.' });
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

export const RackStatusSchema = z.object({
  name: z.string().max(RACK_NAME_CHARS_MAX).meta({ description: 'Rack.' }),
  desiredNodes: z.number().int().nonnegative().meta({ description: 'Nodes wanted in this rack.' }),
  currentNodes: z.number().int().nonnegative().meta({ description: 'StatefulSet replicas.' }),
  readyNodes: z.number().int().nonnegative().meta({ description: 'Ready pods.' }),
}).meta({ description: 'Counts of one rack.' });

export const DatacenterStatusSchema = z.object({
  name: z.string().max(DATACENTER_NAME_CHARS_MAX).meta({ description: 'Datacenter.' }),
  desiredNodes: z.number().int().nonnegative().meta({ description: 'spec size (0 while stopped).' }),
  readyNodes: z.number().int().nonnegative().meta({ description: 'Ready nodes.' }),
  phase: z.enum(['Pending', 'Joining', 'Ready', 'Removing']).meta({ description: 'Pending: not created yet; Joining: being added to a running cluster; Ready: part of the cluster; Removing: being decommissioned.' }),
  racks: z.array(RackStatusSchema).max(RACKS_PER_DATACENTER_MAX).meta({ description: 'Per rack counts.' }),
}).meta({ description: 'Counts of one datacenter.' });

export const RepairStatusSchema = z.object({
  nextRunAt: time('Next scheduled start.').optional(),
  schedule: z.string().max(CRON_CHARS_MAX).optional().meta({ description: 'The spec.repair.schedule nextRunAt was computed from (a changed schedule recomputes it).' }),
  current: z.object({
    id: z.string().max(64).meta({ description: 'Run id.' }),
    startedAt: time('Start of the run.'),
    pods: z.array(z.string().max(63)).max(STATUS_NODES_MAX).meta({ description: 'Pods still to repair, in order.' }),
    done: z.number().int().nonnegative().meta({ description: 'Pods repaired.' }),
    failed: z.array(z.string().max(63)).max(STATUS_NODES_MAX).meta({ description: 'Pods whose repair failed in this run.' }),
    pod: z.string().max(63).optional().meta({ description: 'Pod whose repair job runs.' }),
    jobId: z.string().max(128).optional().meta({ description: 'Its management API job.' }),
  }).optional().meta({ description: 'The run in progress.' }),
  last: z.object({
    id: z.string().max(64).meta({ description: 'Run id.' }),
    startedAt: time('Start.'),
    finishedAt: time('End.'),
    result: z.enum(['Succeeded', 'Failed', 'PartiallyFailed']).meta({ description: 'Outcome.' }),
    message: z.string().max(MESSAGE_CHARS_MAX).meta({ description: 'Details (failed pods and errors).' }),
  }).optional().meta({ description: 'The last finished run.' }),
}).meta({ description: 'Scheduled repair progress and last result.' });

export const CassandraClusterStatusSchema = z.object({
  observedGeneration: z.number().int().optional().meta({ description: 'metadata.generation last reconciled.' }),
  conditions: z.array(ConditionSchema).max(STATUS_CONDITIONS_MAX).optional().meta({
    description: 'Ready, Progressing, Degraded, one per operation in progress (ScalingUp, ScalingDown, Updating, Repairing, ReplacingNode, Stopped, AddingDatacenter, RemovingDatacenter), Blocked (a refused change, with its reason) and Valid.',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  }),
  readyNodes: z.number().int().nonnegative().optional().meta({ description: 'Ready nodes in the cluster.' }),
  desiredNodes: z.number().int().nonnegative().optional().meta({ description: 'Nodes wanted (sum of datacenter sizes; 0 when stopped).' }),
  nodeSummary: z.string().max(32).optional().meta({ description: 'ready/desired, for the Nodes printer column.' }),
  datacenterSummary: z.string().max(256).optional().meta({ description: 'Datacenter names, for the printer column.' }),
  operation: OperationSchema.optional(),
  nextOperationId: z.number().int().nonnegative().optional().meta({ description: 'Counter for operation ids.' }),
  history: z.array(OperationRecordSchema).max(STATUS_HISTORY_MAX).optional().meta({ description: 'Recently finished operations, newest first.' }),
  datacenters: z.array(DatacenterStatusSchema).max(DATACENTERS_MAX).optional().meta({ description: 'Per datacenter and rack counts.' }),
  nodes: z.array(NodeStatusSchema).max(STATUS_NODES_MAX).optional().meta({ description: 'Every node, sorted by pod name.' }),
  pendingCleanup: z.array(z.string().max(DATACENTER_NAME_CHARS_MAX)).max(DATACENTERS_MAX).optional().meta({ description: 'Datacenters whose older nodes still hold data they no longer own after a scale-up; cleanup runs once the scale-up is complete.' }),
  seeds: z.array(z.string().max(63)).max(DATACENTERS_MAX * 3).optional().meta({ description: 'Seed pods (up to three per datacenter, bootstrapped nodes, spread over racks).' }),
  specHash: z.string().max(64).optional().meta({ description: 'Hash of the pod-affecting spec last rolled out to every node.' }),
  repair: RepairStatusSchema.optional(),
}).meta({ description: 'Observed state of the cluster, written by the operator.' });
export type CassandraClusterStatus = z.infer<typeof CassandraClusterStatusSchema>;

/** The resource as the operator handles it (metadata kept loose; spec parsed with defaults). */
export interface CassandraCluster {
  apiVersion: typeof API_GROUP_VERSION;
  kind: typeof KIND;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec: CassandraClusterSpec;
  status?: CassandraClusterStatus;
}

/**
 * Root-level CEL rules (they see metadata.name): every derived StatefulSet name must fit.
 * Applied by the generator at the top of the CRD schema.
 */
export const ROOT_CEL_RULES: readonly CelRule[] = [
  {
    rule: `self.spec.datacenters.all(d, d.racks.all(r, size(self.metadata.name) + size(d.name) + size(r.name) + 2 <= ${STATEFULSET_NAME_CHARS_MAX}))`,
    message: `metadata.name, datacenter and rack names together must stay within ${STATEFULSET_NAME_CHARS_MAX - 2} characters (StatefulSet <name>-<dc>-<rack>)`,
  },
];

/** Printer columns of `kubectl get cc`. */
export const PRINTER_COLUMNS = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Every desired node is ready.' },
  { name: 'Nodes', type: 'string', jsonPath: '.status.nodeSummary', description: 'Ready/desired nodes.' },
  { name: 'Datacenters', type: 'string', jsonPath: '.status.datacenterSummary', description: 'Datacenters.' },
  { name: 'Operation', type: 'string', jsonPath: '.status.operation.summary', description: 'Topology operation in progress.' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;

/**
 * Storage of a datacenter's nodes: spec.storage, or the DC's override (its own storageClassName,
 * unset meaning the cluster default class; its size, or spec.storage.size when unset).
 */
export function datacenterStorage(spec: CassandraClusterSpec, dc: Datacenter): Storage {
  if (dc.storage === undefined) return spec.storage;
  const out: Storage = { size: dc.storage.size ?? spec.storage.size };
  if (dc.storage.storageClassName !== undefined) out.storageClassName = dc.storage.storageClassName;
  return out;
}

/** Parses a stored object's spec, applying defaults; throws a ZodError on an invalid spec. */
export function parseSpec(spec: unknown): CassandraClusterSpec {
  return CassandraClusterSpecSchema.parse(spec);
}

export const MESSAGE_MAX = MESSAGE_CHARS_MAX;
