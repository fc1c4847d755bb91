import { describe, expect, it } from 'vitest';
import { CqlshTlsUsageError, driverSslOptions, resolveTlsSettings } from './tls-options.ts';

describe('cqlsh TLS settings', () => {
  it('is plaintext without --ssl or an --ssl-* file, whatever the environment says', () => {
    expect(resolveTlsSettings({}, { SSL_CERTFILE: '/ca.pem' })).toBeNull();
  });

  it('--ssl takes the CA from $SSL_CERTFILE; --ssl-ca wins over it', () => {
    expect(resolveTlsSettings({ ssl: true }, { SSL_CERTFILE: '/env-ca.pem' })).toEqual({ caFile: '/env-ca.pem', certFile: null, keyFile: null, validate: true });
    expect(resolveTlsSettings({ ssl: true, sslCa: '/flag-ca.pem' }, { SSL_CERTFILE: '/env-ca.pem' })?.caFile).toBe('/flag-ca.pem');
  });

  it('an --ssl-* file implies --ssl', () => {
    expect(resolveTlsSettings({ sslCa: '/ca.pem' }, {})).toEqual({ caFile: '/ca.pem', certFile: null, keyFile: null, validate: true });
    expect(resolveTlsSettings({ sslCa: '/ca.pem', sslCert: '/c.pem', sslKey: '/k.pem' }, {})).toEqual({
      caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', validate: true,
    });
  });

  it('requires a CA while validating, as cqlsh does; SSL_VALIDATE=false (any case) lifts that', () => {
    expect(() => resolveTlsSettings({ ssl: true }, {})).toThrow(CqlshTlsUsageError);
    expect(() => resolveTlsSettings({ ssl: true }, { SSL_CERTFILE: '' })).toThrow(/--ssl-ca/);
    expect(resolveTlsSettings({ ssl: true }, { SSL_VALIDATE: 'False' })).toEqual({ caFile: null, certFile: null, keyFile: null, validate: false });
    expect(resolveTlsSettings({ ssl: true, sslCa: '/ca.pem' }, { SSL_VALIDATE: 'no' })?.validate).toBe(true);
  });

  it('refuses a client certificate without its key and the reverse', () => {
    expect(() => resolveTlsSettings({ sslCa: '/ca.pem', sslCert: '/c.pem' }, {})).toThrow(/both --ssl-cert/);
    expect(() => resolveTlsSettings({ sslCa: '/ca.pem', sslKey: '/k.pem' }, {})).toThrow(/both --ssl-cert/);
  });

  it('driver options verify the chain (unless told not to) and skip the host name check', () => {
    const settings = resolveTlsSettings({ sslCa: '/ca.pem', sslCert: '/c.pem', sslKey: '/k.pem' }, {})!;
    const options = driverSslOptions(settings, { ca: 'CA', cert: 'CERT', key: 'KEY' });
    expect(options).toMatchObject({ ca: ['CA'], cert: 'CERT', key: 'KEY', rejectUnauthorized: true });
    expect(options.checkServerIdentity()).toBeUndefined();
    const lax = driverSslOptions(resolveTlsSettings({ ssl: true }, { SSL_VALIDATE: 'false' })!, { ca: null, cert: null, key: null });
    expect(lax).not.toHaveProperty('ca');
    expect(lax).not.toHaveProperty('cert');
    expect(lax.rejectUnauthorized).toBe(false);
  });
});
