// Public surface of the differential harness.
export { CORPUS_DIR, loadCorpus, loadCorpusFile } from './corpus.ts';
export type { CorpusCase, CorpusFile } from './corpus.ts';
export { connectClient } from './clients.ts';
export { checkExpectations, diffGolden, diffTargets } from './compare.ts';
export {
  isKnownDifference,
  knownUpdateRequested,
  KNOWN_DIFFERENCES_PATH,
  readKnownDifferences,
  summarizeProblem,
  writeKnownDifferences,
} from './known-differences.ts';
export type { KnownDifferences } from './known-differences.ts';
export { goldenUpdateRequested, readGolden, writeGolden } from './golden.ts';
export type { GoldenFile } from './golden.ts';
export type { Outcome } from './outcome.ts';
export { runCase, runSetup } from './run-case.ts';
