// The layout of a memtable's partition fields (PartitionTable in memtable.ts): partition `id`'s
// are STRIDE int32s from id * STRIDE of one Int32Array over shared memory. The token's halves,
// then, while SLAB is not NO_SLAB, the fields of an EncodedPartition (encoded-rows.ts): the whole
// partition as SSTable Data bytes in slab number SLAB, one plain row and nothing else. A flush
// worker reads them there to walk a memtable whose partitions are all encoded (flush-worker.ts).
export const HIGH = 0;
export const LOW = 1;
export const SLAB = 2;
export const START = 3;
export const LENGTH = 4;
export const ROWS_AT = 5;
export const CELLS = 6;
export const MIN_DELTA = 7;
export const MAX_DELTA = 8;
export const DROP_TIME = 9;
export const EXPIRING = 10;
/** CODEC_SET: the codec is set (the partition is encoded, or its tree holds encoded rows). */
export const FLAGS = 11;
export const STRIDE = 12;
export const CODEC_SET = 1;
export const NO_SLAB = -1;
