// Minimal plain-JSON shapes of the Kubernetes objects the harness reads and writes (only the
// fields we use; timestamps are RFC 3339 strings as on the wire).
export type ObjectMeta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  creationTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
  finalizers?: string[];
};

export type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastProbeTime?: string | null;
  observedGeneration?: number;
};

export type KeySelector = { name?: string; key: string; optional?: boolean };
export type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: KeySelector;
    secretKeyRef?: KeySelector;
    resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
  };
};
export type EnvFromSource = {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
};

export type HttpGetAction = {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: { name: string; value: string }[];
};
export type Handler = {
  exec?: { command: string[] };
  httpGet?: HttpGetAction;
  tcpSocket?: { port: number | string; host?: string };
  sleep?: { seconds: number };
};
export type Probe = Handler & {
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
};

export type VolumeMount = { name: string; mountPath: string; subPath?: string; readOnly?: boolean };
export type Container = {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  volumeMounts?: VolumeMount[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: Handler; postStart?: Handler };
  restartPolicy?: 'Always';
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};

export type KeyToPath = { key: string; path: string; mode?: number };
export type Volume = {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: Record<string, unknown>;
  hostPath?: { path: string };
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items: { path: string; fieldRef?: { fieldPath: string } }[] };
  projected?: {
    sources: {
      serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
      configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
      secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
      downwardAPI?: { items: { path: string; fieldRef?: { fieldPath: string } }[] };
    }[];
  };
};

export type PodSpec = {
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  serviceAccountName?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
  readinessGates?: { conditionType: string }[];
};

export type ContainerState = {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; signal?: number; reason: string; message?: string; startedAt?: string; finishedAt: string };
};
export type ContainerStatus = {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
};
export type PodStatus = {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: Condition[];
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  reason?: string;
  message?: string;
};
export type Pod = { apiVersion?: string; kind?: string; metadata: ObjectMeta; spec: PodSpec; status?: PodStatus };

export type Node = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string; value?: string }[] };
  status?: { conditions?: Condition[]; addresses?: { type: string; address: string }[] };
};

export type PersistentVolumeClaim = {
  metadata: ObjectMeta;
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    resources?: { requests?: Record<string, string> };
    volumeMode?: string;
  };
  status?: { phase?: string };
};
export type PersistentVolume = {
  metadata: ObjectMeta;
  spec: {
    storageClassName?: string;
    claimRef?: { namespace: string; name: string; uid?: string };
    persistentVolumeReclaimPolicy?: 'Delete' | 'Retain' | 'Recycle';
    local?: { path: string };
    hostPath?: { path: string };
  };
  status?: { phase?: string };
};
export type StorageClass = {
  metadata: ObjectMeta;
  provisioner: string;
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  reclaimPolicy?: 'Delete' | 'Retain';
};

export type ServicePort = { name?: string; port: number; targetPort?: number | string; protocol?: string };
export type Service = {
  metadata: ObjectMeta;
  spec: {
    clusterIP?: string;
    clusterIPs?: string[];
    type?: string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
    publishNotReadyAddresses?: boolean;
    externalName?: string;
  };
};
export type EndpointSlice = {
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: {
    addresses: string[];
    hostname?: string;
    nodeName?: string;
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind: string; name: string; namespace?: string; uid?: string };
  }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
};
export type ConfigMap = { metadata: ObjectMeta; data?: Record<string, string>; binaryData?: Record<string, string> };
export type Secret = { metadata: ObjectMeta; data?: Record<string, string>; stringData?: Record<string, string> };
export type StatefulSet = {
  metadata: ObjectMeta;
  spec: { replicas?: number; serviceName?: string };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    observedGeneration?: number;
  };
};
