// Public surface of the differential harness.
export { CORPUS_DIR, loadCorpus, loadCorpusFile } from './corpus.ts';
export type { CorpusCase, CorpusFile } from './corpus.ts';
export { connectClient } from './clients.ts';
export { checkExpectations, diffGolden, diffTargets } from './compare.ts';
export { goldenUpdateRequested, readGolden, writeGolden } from './golden.ts';
export type { GoldenFile } from './golden.ts';
export type { Outcome } from './outcome.ts';
export { runCase, runSetup } from './run-case.ts';
