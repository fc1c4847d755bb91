// The JVM command line for a Cassandra 5.0 peer on Java 17: Cassandra's jvm-server.options and
// jvm17-server.options flags (minus AlwaysPreTouch, which slows start), heap, agent and properties.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

/** Java majors Cassandra 5.0 runs on (bin/cassandra.in.sh refuses others). */
export const SUPPORTED_JAVA_MAJORS: readonly number[] = [11, 17];

const MIB = 1024 * 1024;

/** Cassandra's default heap: max(min(1/2 RAM, 1 GiB), min(1/4 RAM, 8 GiB)), in MiB. */
export function defaultHeapMb(totalMemoryBytes: number = totalmem()): number {
  const ramMb = Math.floor(totalMemoryBytes / MIB);
  return Math.max(Math.min(Math.floor(ramMb / 2), 1024), Math.min(Math.floor(ramMb / 4), 8192));
}

/** Finds a Java 11/17 binary: $CASSIA_PEER_JAVA, then /usr/lib/jvm/*17*, then `java` on PATH. */
export function findJava(): { javaPath: string; major: number } {
  const candidates: string[] = [];
  const fromEnv = process.env['CASSIA_PEER_JAVA'];
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(fromEnv);
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) {
    for (const name of readdirSync(jvmRoot).sort()) {
      if (/(^|-)(17|11)(-|\.|$)/.test(name)) candidates.push(join(jvmRoot, name, 'bin', 'java'));
    }
  }
  const javaHome = process.env['JAVA_HOME'];
  if (javaHome !== undefined && javaHome !== '') candidates.push(join(javaHome, 'bin', 'java'));
  candidates.push('java');
  const seen: string[] = [];
  for (const javaPath of candidates) {
    if (javaPath !== 'java' && !existsSync(javaPath)) continue;
    const major = javaMajor(javaPath);
    seen.push(`${javaPath}: ${major === undefined ? 'not runnable' : String(major)}`);
    if (major !== undefined && SUPPORTED_JAVA_MAJORS.includes(major)) return { javaPath, major };
  }
  throw new Error(`no Java 11 or 17 found for Cassandra 5.0 (set CASSIA_PEER_JAVA); saw ${seen.join('; ')}`);
}

function javaMajor(javaPath: string): number | undefined {
  const result = spawnSync(javaPath, ['-version'], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (match === null) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

export interface JvmArgsOptions {
  readonly heapMb: number;
  readonly jammJar: string;
  readonly libDir: string;
  readonly confDir: string;
  readonly yamlPath: string;
  readonly logbackPath: string;
  readonly storageDir: string;
  readonly logDir: string;
  /** No fsync of system tables (as cassandra-unit does); for test nodes only. */
  readonly unsafeSystem: boolean;
  /** cassandra.ring_delay_ms; default PEER_RING_DELAY_MS (one node). A joining node of a cluster needs longer. */
  readonly ringDelayMs?: number;
}

/** RING_DELAY for the peer (Cassandra's default is 30 s); one node on loopback. */
export const PEER_RING_DELAY_MS = 1_000;
/** RING_DELAY for a node joining a loopback cluster: time to learn the ring by gossip before it picks tokens. */
export const PEER_CLUSTER_RING_DELAY_MS = 5_000;

export const CASSANDRA_MAIN_CLASS = 'org.apache.cassandra.service.CassandraDaemon';

/** Everything after `java` on the launch line. JMX stays off: no jmx port property is given. */
export function cassandraJvmArgs(options: JvmArgsOptions): string[] {
  return [
    `-Xms${options.heapMb}m`,
    `-Xmx${options.heapMb}m`,
    // jvm-server.options (common)
    '-ea',
    '-da:net.openhft...',
    '-XX:+UseThreadPriorities',
    '-XX:+HeapDumpOnOutOfMemoryError',
    `-XX:HeapDumpPath=${options.logDir}`,
    '-Xss256k',
    '-XX:+UseTLAB',
    '-XX:+ResizeTLAB',
    '-XX:+UseNUMA',
    '-XX:+PerfDisableSharedMem',
    '-Djava.net.preferIPv4Stack=true',
    // jvm17-server.options
    '-XX:+UseG1GC',
    '-XX:+ParallelRefProcEnabled',
    '-XX:MaxTenuringThreshold=1',
    '-XX:G1HeapRegionSize=16m',
    '-XX:G1RSetUpdatingPauseTimePercent=5',
    '-XX:MaxGCPauseMillis=300',
    '-XX:InitiatingHeapOccupancyPercent=70',
    '-Djdk.attach.allowAttachSelf=true',
    '--add-exports', 'java.base/jdk.internal.misc=ALL-UNNAMED',
    '--add-exports', 'java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
    '--add-exports', 'java.rmi/sun.rmi.registry=ALL-UNNAMED',
    '--add-exports', 'java.rmi/sun.rmi.server=ALL-UNNAMED',
    '--add-exports', 'java.sql/java.sql=ALL-UNNAMED',
    '--add-exports', 'java.base/java.lang.ref=ALL-UNNAMED',
    '--add-exports', 'jdk.unsupported/sun.misc=ALL-UNNAMED',
    '--add-exports', 'jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
    '--add-exports', 'jdk.attach/sun.tools.attach=ALL-UNNAMED',
    '--add-opens', 'java.base/java.lang.module=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.loader=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.ref=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.reflect=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.math=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.module=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.util.jar=ALL-UNNAMED',
    '--add-opens', 'jdk.management/com.sun.management.internal=ALL-UNNAMED',
    '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
    '--add-opens', 'java.base/java.io=ALL-UNNAMED',
    '--add-opens', 'java.base/java.lang.reflect=ALL-UNNAMED',
    '--add-opens', 'jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
    '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
    '--add-opens', 'java.base/java.util=ALL-UNNAMED',
    '-Dio.netty.tryReflectionSetAccessible=true',
    '-Dio.netty.allocator.useCacheForAllThreads=true',
    '-Dio.netty.allocator.maxOrder=11',
    // cassandra.in.sh / bin/cassandra
    `-javaagent:${options.jammJar}`,
    `-Dcassandra.config=file://${options.yamlPath}`,
    `-Dcassandra.storagedir=${options.storageDir}`,
    `-Dcassandra.logdir=${options.logDir}`,
    `-Dlogback.configurationFile=file://${options.logbackPath}`,
    '-Dcassandra-foreground=yes',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.superuser_setup_delay_ms=0',
    // A single node has no ring to learn; without this a fresh node waits 30 s before its tokens.
    `-Dcassandra.ring_delay_ms=${options.ringDelayMs ?? PEER_RING_DELAY_MS}`,
    ...(options.unsafeSystem ? ['-Dcassandra.unsafesystem=true'] : []),
    '-cp',
    `${options.confDir}:${join(options.libDir, '*')}`,
    CASSANDRA_MAIN_CLASS,
  ];
}
