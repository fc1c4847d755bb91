// Resolves Apache Cassandra's server jars (cassandra-all plus its runtime dependencies) from Maven
// Central into a cache folder outside the repository, keyed by version, and reuses them when present.
// Invariant: a cache folder is usable only once its `.complete` marker exists (written last).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The 5.0.x release Maven Central serves (checked with a version-range resolution: 5.0.0..5.0.9). */
export const CASSANDRA_VERSION = '5.0.9';

/** Bound on one Maven resolution (a cold download is ~150 jars, ~100 MB). */
export const MAVEN_RESOLVE_TIMEOUT_MS = 15 * 60_000;

/** Fewer jars than this means the resolution silently went wrong (5.0 needs 100+). */
const RUNTIME_JARS_MIN = 80;

export interface CassandraArtifacts {
  readonly version: string;
  /** Folder holding every runtime jar, cassandra-all included. */
  readonly libDir: string;
  /** Absolute path of the jamm agent jar (`-javaagent:`). */
  readonly jammJar: string;
  readonly jarCount: number;
  /** True when this call downloaded the jars; false when the cache was reused. */
  readonly downloaded: boolean;
  readonly resolveMs: number;
}

export function cassiaCacheDir(): string {
  return process.env['CASSIA_CACHE_DIR'] ?? join(homedir(), '.cache', 'cassia');
}

export function cassandraHomeDir(version: string = CASSANDRA_VERSION): string {
  return join(cassiaCacheDir(), `cassandra-${version}`);
}

/** Which of the external tools the peer needs are missing (empty when all are there). */
export function missingPeerTools(): string[] {
  const missing: string[] = [];
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) missing.push('java');
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) missing.push('mvn');
  return missing;
}

/** Resolves the jars (downloading them on first use) and returns where they are. */
export function resolveCassandraArtifacts(version: string = CASSANDRA_VERSION): CassandraArtifacts {
  const startMs = Date.now();
  const home = cassandraHomeDir(version);
  const libDir = join(home, 'lib');
  const marker = join(home, '.complete');
  let downloaded = false;
  if (!existsSync(marker)) {
    downloaded = true;
    rmSync(libDir, { recursive: true, force: true });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'pom.xml'), resolverPom(version));
    const result = spawnSync(
      'mvn',
      [
        '-B', '-q', '-f', join(home, 'pom.xml'),
        'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`,
      ],
      { encoding: 'utf8', timeout: MAVEN_RESOLVE_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.status !== 0) {
      throw new Error(
        `mvn could not resolve org.apache.cassandra:cassandra-all:${version} ` +
          `(status ${String(result.status)}, signal ${String(result.signal)}):\n` +
          `${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
      );
    }
  }
  const jars = readdirSync(libDir).filter((name) => name.endsWith('.jar'));
  if (jars.length < RUNTIME_JARS_MIN) {
    throw new Error(`only ${jars.length} jars in ${libDir}; expected at least ${RUNTIME_JARS_MIN}`);
  }
  if (!jars.includes(`cassandra-all-${version}.jar`)) {
    throw new Error(`cassandra-all-${version}.jar missing from ${libDir}`);
  }
  const jamm = jars.find((name) => /^jamm-[\d.]+\.jar$/.test(name));
  if (jamm === undefined) throw new Error(`no jamm agent jar in ${libDir}`);
  if (downloaded) writeFileSync(marker, `${new Date().toISOString()}\n`);
  return {
    version,
    libDir,
    jammJar: join(libDir, jamm),
    jarCount: jars.length,
    downloaded,
    resolveMs: Date.now() - startMs,
  };
}

/** A throwaway POM whose only dependency is the server artifact; Maven follows its runtime graph. */
function resolverPom(version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.cassia.peer</groupId>
  <artifactId>cassandra-peer-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>${version}</version>
    </dependency>
  </dependencies>
</project>
`;
}
