// Differential CQL tests: every corpus case runs through cassandra-driver against Apache Cassandra
// 5.0 (checked against its reviewed golden results) and, when a Cassia node can start, against Cassia
// too (compared with Cassandra's live results). Policy: docs/compatibility.md. Cassia differences
// listed in cassia-known-differences.yaml are reported, not failed; any other difference fails,
// unless CASSIA_PEER_STRICT=0 (then new differences are reported loudly too; Cassandra must still
// match its golden file).
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CASSANDRA_VERSION, startCassandraPeer, type CassandraPeer } from './cassandra/index.ts';
import { skipBanner, startCassiaTarget, type RunningTarget } from './cassia-target.ts';
import {
  checkExpectations,
  connectClient,
  diffGolden,
  diffTargets,
  goldenUpdateRequested,
  isKnownDifference,
  KNOWN_DIFFERENCES_PATH,
  knownUpdateRequested,
  loadCorpus,
  readGolden,
  readKnownDifferences,
  runCase,
  runSetup,
  summarizeProblem,
  writeGolden,
  writeKnownDifferences,
  type CorpusFile,
  type KnownDifferences,
  type Outcome,
} from './harness/index.ts';

const corpus = loadCorpus();
const updateGolden = goldenUpdateRequested();
const updateKnown = knownUpdateRequested();
const known = readKnownDifferences();
const strict = process.env['CASSIA_PEER_STRICT'] !== '0';

interface Side {
  readonly name: 'cassandra' | 'cassia';
  readonly client: cassandra.Client;
  readonly metadataClient: cassandra.Client;
  stop(): Promise<void>;
}

let cassandraSide: Side | undefined;
let cassiaSide: Side | undefined;
let cassiaSkipReason: string | undefined;
let cassiaTargetHandle: RunningTarget | undefined;
/** A Cassia request that hangs costs this much per case, not the 30 s Cassandra's DDL may need. */
const CASSIA_READ_TIMEOUT_MS = 10_000;
/** What the Cassia side did this run: differences seen (file -> case -> summary), and counts. */
const seenDifferences: KnownDifferences = {};
const tally = { cases: 0, matched: 0, knownDiffering: 0, fixed: [] as string[], unlisted: [] as string[] };

beforeAll(async () => {
  const externalCassandra = process.env['CASSIA_PEER_CASSANDRA_CONTACT_POINT'];
  let peer: CassandraPeer | undefined;
  const contactPoint =
    externalCassandra ?? (peer = await startCassandraPeer({ commitlogSync: 'periodic', heapMb: 1024, smallFootprint: true })).contactPoint;
  const client = await connectClient({ contactPoint, localDataCenter: 'datacenter1' });
  const metadataClient = await connectClient({ contactPoint, localDataCenter: 'datacenter1', defaultEncoding: true });
  cassandraSide = {
    name: 'cassandra',
    client,
    metadataClient,
    stop: async () => {
      await client.shutdown();
      await metadataClient.shutdown();
      await peer?.stop();
    },
  };

  const cassia = await startCassiaTarget({ commitLogSync: 'periodic' });
  if (!cassia.ok) {
    cassiaSkipReason = cassia.reason;
    process.stderr.write(skipBanner('test:peer', cassia.reason));
    return;
  }
  const target: RunningTarget = cassia.target;
  cassiaTargetHandle = target;
  const cassiaClient = await connectClient({ ...target, readTimeoutMs: CASSIA_READ_TIMEOUT_MS });
  const cassiaMetadataClient = await connectClient({ ...target, readTimeoutMs: CASSIA_READ_TIMEOUT_MS, defaultEncoding: true });
  cassiaSide = {
    name: 'cassia',
    client: cassiaClient,
    metadataClient: cassiaMetadataClient,
    stop: async () => {
      await cassiaClient.shutdown();
      await cassiaMetadataClient.shutdown();
      await target.stop();
    },
  };
});

afterAll(async () => {
  await cassiaSide?.stop();
  await cassandraSide?.stop();
  if (cassiaSkipReason !== undefined) {
    process.stderr.write(skipBanner('test:peer', cassiaSkipReason));
    return;
  }
  if (updateKnown) writeKnownDifferences(seenDifferences);
  const lines = [
    `test:peer: Cassia matched Cassandra ${CASSANDRA_VERSION} on ${tally.matched} of ${tally.cases} cases;`,
    `${tally.knownDiffering} known differences (${KNOWN_DIFFERENCES_PATH}).`,
    ...(tally.fixed.length > 0 ? [`Now matching, remove from the known list: ${tally.fixed.join('; ')}`] : []),
    ...(tally.unlisted.length > 0
      ? [`!!! ${tally.unlisted.length} NEW differences not in the known list (CASSIA_PEER_STRICT=0, so not failed):`, ...tally.unlisted.map((u) => `!!!   ${u}`)]
      : []),
  ];
  process.stderr.write(`\n${lines.join('\n')}\n`);
});

function sides(): Side[] {
  if (cassandraSide === undefined) throw new Error('Cassandra peer did not start');
  return cassiaSide === undefined ? [cassandraSide] : [cassandraSide, cassiaSide];
}

async function resetKeyspaces(file: CorpusFile, side: Side): Promise<void> {
  for (const keyspace of file.keyspaces) await runSetup(side.client, `DROP KEYSPACE IF EXISTS ${keyspace}`);
}

test('the Cassia side runs (or the reason it does not is printed above)', (context) => {
  if (cassiaSkipReason !== undefined) context.skip(`CASSIA SIDE SKIPPED: ${cassiaSkipReason}`);
  expect(cassiaSide).toBeDefined();
});

for (const file of corpus) {
  describe(file.name, () => {
    const golden = updateGolden ? undefined : readGolden(file.name);
    const recorded: Record<string, Outcome> = {};

    beforeAll(async () => {
      for (const side of sides()) {
        await resetKeyspaces(file, side);
        for (const cql of file.setup) {
          // A Cassia setup failure shows up as differences in the cases; Cassandra's must succeed.
          if (side.name === 'cassandra') await runSetup(side.client, cql);
          else await runCase(side.client, { name: 'setup', cql });
        }
      }
    });

    afterAll(async () => {
      for (const side of sides()) await resetKeyspaces(file, side);
      if (updateGolden) writeGolden(file.name, { cassandraVersion: CASSANDRA_VERSION, cases: recorded });
    });

    for (const c of file.cases) {
      test(c.name, async () => {
        const problems: string[] = [];
        const [cassandraTarget, cassiaTarget] = sides();
        const cassandraOutcome = await runCase(cassandraTarget!.client, c, cassandraTarget!.metadataClient);
        recorded[c.name] = cassandraOutcome;
        problems.push(...checkExpectations(cassandraOutcome, c).map((p) => `cassandra: ${p}`));
        if (!updateGolden) {
          const expected = golden?.cases[c.name];
          if (expected === undefined) problems.push('no golden outcome: run CASSIA_PEER_UPDATE_GOLDEN=1 npm run test:peer and review the diff');
          else problems.push(...diffGolden(cassandraOutcome, expected, c).map((p) => `cassandra vs golden: ${p}`));
        }
        if (cassiaTarget !== undefined) {
          const cassiaOutcome = await runCase(cassiaTarget.client, c, cassiaTarget.metadataClient);
          const cassiaProblems = [
            ...checkExpectations(cassiaOutcome, c).map((p) => `cassia: ${p}`),
            ...diffTargets(cassiaOutcome, cassandraOutcome, c).map((p) => `cassia vs cassandra: ${p}`),
          ];
          tally.cases++;
          const listed = isKnownDifference(known, file.name, c.name);
          if (cassiaProblems.length === 0) {
            tally.matched++;
            if (listed) tally.fixed.push(`${file.name} > ${c.name}`);
          } else {
            (seenDifferences[file.name] ??= {})[c.name] = summarizeProblem(cassiaProblems[0]!);
            if (listed || updateKnown) tally.knownDiffering++;
            else if (strict) problems.push(...cassiaProblems);
            else tally.unlisted.push(`${file.name} > ${c.name}: ${summarizeProblem(cassiaProblems[0]!)}`);
          }
        }
        expect(problems, c.cql ?? JSON.stringify(c.batch)).toEqual([]);
      });
    }
  });
}

test('the Cassia node survived the whole corpus', (context) => {
  if (cassiaTargetHandle === undefined) context.skip('Cassia side not running');
  expect(cassiaTargetHandle?.alive(), 'the Cassia node process exited during the run').toBe(true);
});
