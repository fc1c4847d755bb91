// The TLS a node serves, built from cassia.yaml at start: credentials loaded (and reloaded) from
// the PEM files, the CQL port's server settings, and internode settings with the per-peer
// decision of internode_encryption. Bad files fail here with a ConfigError naming them.
// Refused TLS connections are logged at most once per interval with a count of the others.
import type { Clock, ClientTlsOptions, Disk, Logger, ServerTlsOptions, Timers } from '../io/index.ts';
import { clientTlsPlan, encryptsInternode, internodeTlsPlan } from './encryption-plan.ts';
import type { InternodeEncryption, TlsFiles } from './encryption-plan.ts';
import type { NodeConfig } from './node-config.ts';
import { TlsCredentialFiles } from './tls-credential-files.ts';

/** At most one log line per port per interval about refused TLS connections. */
export const TLS_REFUSAL_LOG_INTERVAL_MS = 10_000;

export interface PeerLocation {
  readonly datacenter: string;
  readonly rack: string;
}

export interface InternodeTls {
  readonly mode: InternodeEncryption;
  readonly server: ServerTlsOptions;
  readonly client: ClientTlsOptions;
  /** Whether a new connection to the peer "ip:port" encrypts. */
  readonly encryptTo: (peer: string) => boolean;
}

export interface NodeTls {
  /** TLS for the native (CQL) port, or null for plaintext. */
  readonly client: ServerTlsOptions | null;
  readonly internode: InternodeTls | null;
  /** Starts re-reading the certificate files. */
  start(): void;
  close(): void;
}

export interface NodeTlsOptions {
  readonly config: Pick<NodeConfig, 'client_encryption_options' | 'server_encryption_options' | 'dc' | 'rack'>;
  readonly disk: Disk;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where gossip has placed a peer "ip:port" (null: not known yet); read on every internode connect. */
  readonly locate: (peer: string) => PeerLocation | null;
  readonly reloadIntervalMs?: number;
}

/** Loads every certificate the configuration names; throws ConfigError when one cannot serve. */
export function openNodeTls(options: NodeTlsOptions): NodeTls {
  const { config, logger } = options;
  const clientPlan = clientTlsPlan(config.client_encryption_options);
  const internodePlan = internodeTlsPlan(config.server_encryption_options);
  const sources: TlsCredentialFiles[] = [];
  const open = (files: TlsFiles, ownCertificateIssuedByCa: boolean): TlsCredentialFiles => {
    const source = new TlsCredentialFiles({
      disk: options.disk, timers: options.timers, clock: options.clock, logger, files, ownCertificateIssuedByCa,
      ...(options.reloadIntervalMs === undefined ? {} : { reloadIntervalMs: options.reloadIntervalMs }),
    });
    sources.push(source);
    return source;
  };

  let client: ServerTlsOptions | null = null;
  if (clientPlan !== null) {
    client = {
      credentials: open(clientPlan.files, false),
      requireClientCertificate: clientPlan.requireClientAuth,
      allowPlaintext: clientPlan.allowPlaintext,
      onRefused: refusalLogger({ logger, clock: options.clock, port: 'native' }),
    };
    logger.info({ requireClientAuth: clientPlan.requireClientAuth, optional: clientPlan.allowPlaintext }, 'TLS for CQL clients enabled');
  }

  let internode: InternodeTls | null = null;
  if (internodePlan !== null) {
    const credentials = open(internodePlan.files, true);
    const local = { datacenter: config.dc, rack: config.rack };
    const mode = internodePlan.mode;
    internode = {
      mode,
      server: {
        credentials,
        requireClientCertificate: internodePlan.requireClientAuth,
        allowPlaintext: internodePlan.allowPlaintextInbound,
        onRefused: refusalLogger({ logger, clock: options.clock, port: 'internode' }),
      },
      client: { credentials },
      encryptTo: (peer) => encryptsInternode({ mode, local, peer: mode === 'all' || mode === 'none' ? null : options.locate(peer) }),
    };
    logger.info({ internodeEncryption: mode, requireClientAuth: internodePlan.requireClientAuth, optional: internodePlan.allowPlaintextInbound },
      'TLS between nodes enabled');
    if (mode === 'dc' || mode === 'rack') {
      logger.warn({ internodeEncryption: mode },
        'internode connections inside a DC/rack stay plaintext and unauthenticated: a host that reaches the storage port can pose as a peer; use internode_encryption: all to require mutual TLS everywhere');
    }
  }

  return {
    client,
    internode,
    start: () => {
      for (const s of sources) s.start();
    },
    close: () => {
      for (const s of sources) s.close();
    },
  };
}

function refusalLogger(options: { logger: Logger; clock: Clock; port: string }): (reason: string, remoteAddress: string | undefined) => void {
  let lastLogMs = -Infinity;
  let suppressed = 0;
  return (reason, remoteAddress) => {
    const nowMs = options.clock.monotonicMs();
    if (nowMs - lastLogMs < TLS_REFUSAL_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    options.logger.info({ port: options.port, remote: remoteAddress, reason, refusedSinceLastLog: suppressed }, 'TLS connection refused');
    lastLogMs = nowMs;
    suppressed = 0;
  };
}
