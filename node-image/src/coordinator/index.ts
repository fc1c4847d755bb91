// Write and read paths, consistency levels, hints, read repair, paging, Paxos.
export type {
  CasRequest, Coordinator, NodeInfo, ReadOptions, SchemaChangeRequest, WriteOptions,
} from './coordinator.ts';
