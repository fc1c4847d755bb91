import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { clientTlsPlan, encryptsInternode, internodeTlsPlan } from './encryption-plan.ts';
import { parseNodeConfig } from './node-config.ts';

const files = { cert_file: '/tls/tls.crt', key_file: '/tls/tls.key', ca_file: '/tls/ca.crt' };

describe('clientTlsPlan', () => {
  it('is plaintext when absent or disabled', () => {
    expect(clientTlsPlan(undefined)).toBe(null);
    expect(clientTlsPlan({ enabled: false, ...files })).toBe(null);
  });

  it('serves TLS only, without client certificates, by default', () => {
    expect(clientTlsPlan({ enabled: true, ...files })).toEqual({
      files: { option: 'client_encryption_options', certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', caFile: '/tls/ca.crt' },
      requireClientAuth: false,
      allowPlaintext: false,
    });
  });

  it('accepts plaintext too with optional (also with enabled: false, as Cassandra 4+)', () => {
    expect(clientTlsPlan({ enabled: true, optional: true, ...files })?.allowPlaintext).toBe(true);
    expect(clientTlsPlan({ enabled: false, optional: true, ...files })?.allowPlaintext).toBe(true);
  });

  it('needs the certificate and key, and the CA for require_client_auth', () => {
    expect(() => clientTlsPlan({ enabled: true, key_file: '/k' })).toThrow('client_encryption_options.cert_file is required when client TLS is enabled');
    expect(() => clientTlsPlan({ enabled: true, cert_file: '/c' })).toThrow('client_encryption_options.key_file is required');
    expect(() => clientTlsPlan({ enabled: true, cert_file: '/c', key_file: '/k', require_client_auth: true }))
      .toThrow('client_encryption_options.ca_file is required with require_client_auth: true');
    expect(clientTlsPlan({ enabled: true, cert_file: '/c', key_file: '/k' })?.files.caFile).toBe(null);
  });

  it('refuses meaningless combinations', () => {
    expect(() => clientTlsPlan({ enabled: true, internode_encryption: 'all', ...files })).toThrow(ConfigError);
    expect(() => clientTlsPlan({ enabled: false, require_client_auth: true, ...files })).toThrow('require_client_auth needs enabled: true');
  });
});

describe('internodeTlsPlan', () => {
  it('is plaintext for none', () => {
    expect(internodeTlsPlan(undefined)).toBe(null);
    expect(internodeTlsPlan({ internode_encryption: 'none', ...files })).toBe(null);
  });

  it('all: TLS everywhere with mutual authentication unless require_client_auth: false', () => {
    expect(internodeTlsPlan({ internode_encryption: 'all', ...files })).toEqual({
      files: { option: 'server_encryption_options', certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', caFile: '/tls/ca.crt' },
      mode: 'all',
      requireClientAuth: true,
      allowPlaintextInbound: false,
    });
    expect(internodeTlsPlan({ internode_encryption: 'all', require_client_auth: false, ...files })?.requireClientAuth).toBe(false);
    expect(internodeTlsPlan({ internode_encryption: 'all', optional: true, ...files })?.allowPlaintextInbound).toBe(true);
  });

  it('dc and rack accept plaintext inbound (same-DC/rack peers do not encrypt)', () => {
    expect(internodeTlsPlan({ internode_encryption: 'dc', ...files })?.allowPlaintextInbound).toBe(true);
    expect(internodeTlsPlan({ internode_encryption: 'rack', ...files })?.allowPlaintextInbound).toBe(true);
  });

  it('none with optional accepts TLS from peers that already encrypt (migration)', () => {
    expect(internodeTlsPlan({ internode_encryption: 'none', optional: true, ...files })).toMatchObject({ mode: 'none', allowPlaintextInbound: true });
  });

  it('needs all three files', () => {
    expect(() => internodeTlsPlan({ internode_encryption: 'all', cert_file: '/c', key_file: '/k' }))
      .toThrow('server_encryption_options.ca_file is required with internode_encryption: all');
    expect(() => internodeTlsPlan({ internode_encryption: 'dc', key_file: '/k', ca_file: '/a' })).toThrow('server_encryption_options.cert_file is required');
  });

  it('refuses enabled where it means nothing or contradicts internode_encryption', () => {
    expect(() => internodeTlsPlan({ enabled: true, ...files })).toThrow('server_encryption_options.enabled is not used for internode TLS');
    expect(() => internodeTlsPlan({ enabled: false, internode_encryption: 'all', ...files })).toThrow('contradicts');
    expect(internodeTlsPlan({ enabled: true, internode_encryption: 'all', ...files })?.mode).toBe('all');
  });
});

describe('encryptsInternode', () => {
  const local = { datacenter: 'dc1', rack: 'r1' };
  const cases = [
    ['none', { datacenter: 'dc2', rack: 'r1' }, false],
    ['all', { datacenter: 'dc1', rack: 'r1' }, true],
    ['dc', { datacenter: 'dc1', rack: 'r2' }, false],
    ['dc', { datacenter: 'dc2', rack: 'r1' }, true],
    ['dc', null, true],
    ['rack', { datacenter: 'dc1', rack: 'r1' }, false],
    ['rack', { datacenter: 'dc1', rack: 'r2' }, true],
    ['rack', { datacenter: 'dc2', rack: 'r1' }, true],
    ['rack', null, true],
  ] as const;
  it.each(cases)('%s to %j: %s', (mode, peer, expected) => {
    expect(encryptsInternode({ mode, local, peer })).toBe(expected);
  });
});

describe('parseNodeConfig', () => {
  it('accepts what the operator renders for TLS Secrets', () => {
    const config = parseNodeConfig({
      client_encryption_options: { enabled: true, cert_file: '/var/run/cassia/tls/client/tls.crt', key_file: '/var/run/cassia/tls/client/tls.key', ca_file: '/var/run/cassia/tls/client/ca.crt' },
      server_encryption_options: { internode_encryption: 'all', cert_file: '/var/run/cassia/tls/internode/tls.crt', key_file: '/var/run/cassia/tls/internode/tls.key', ca_file: '/var/run/cassia/tls/internode/ca.crt' },
    });
    expect(config.client_encryption_options?.enabled).toBe(true);
  });

  it('refuses incomplete TLS settings at load', () => {
    expect(() => parseNodeConfig({ client_encryption_options: { enabled: true } })).toThrow(ConfigError);
    expect(() => parseNodeConfig({ server_encryption_options: { internode_encryption: 'rack', cert_file: '/c' } })).toThrow(ConfigError);
  });
});
