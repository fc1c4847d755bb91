// Generates the local control plane's PKI with Debian's openssl: one CA signing the apiserver's
// serving cert and the admin client cert (system:masters), plus the service-account key pair.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../lib/exec-file.ts';

export const certValidityDays = 30;
/** First address of the service CIDR (the `kubernetes` Service's ClusterIP). */
export const kubernetesServiceIp = '10.0.0.1';

export type Pki = {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
};

export async function generatePki(dir: string): Promise<Pki> {
  fs.mkdirSync(dir, { recursive: true });
  const p = (name: string): string => path.join(dir, name);
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCert: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
  const days = String(certValidityDays);
  const newKey = ['-newkey', 'rsa:2048', '-nodes'];
  await run('openssl', ['req', '-x509', ...newKey, '-days', days, '-subj', '/CN=cassia-e2e-ca', '-keyout', pki.caKey, '-out', pki.caCert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  const sans = [
    `IP:127.0.0.1`,
    `IP:${kubernetesServiceIp}`,
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  await signed({ pki, name: 'apiserver', subject: '/CN=kube-apiserver', ext: `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`, days });
  await signed({ pki, name: 'admin', subject: '/O=system:masters/CN=cassia-e2e-admin', ext: 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n', days });
  await run('openssl', ['genrsa', '-out', pki.saKey, '2048']);
  await run('openssl', ['rsa', '-in', pki.saKey, '-pubout', '-out', pki.saPub]);
  return pki;
}

async function signed(options: { pki: Pki; name: string; subject: string; ext: string; days: string }): Promise<void> {
  const { pki, name } = options;
  const key = path.join(pki.dir, `${name}.key`);
  const csr = path.join(pki.dir, `${name}.csr`);
  const crt = path.join(pki.dir, `${name}.crt`);
  const ext = path.join(pki.dir, `${name}.ext`);
  fs.writeFileSync(ext, options.ext);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', options.subject, '-keyout', key, '-out', csr]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial', '-days', options.days, '-out', crt, '-extfile', ext]);
}

/** An admin kubeconfig with embedded credentials (so it can be copied anywhere). */
export function adminKubeconfig(options: { pki: Pki; server: string; name?: string }): string {
  const b64 = (file: string): string => fs.readFileSync(file).toString('base64');
  const name = options.name ?? 'cassia-e2e';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${options.server}`,
    `    certificate-authority-data: ${b64(options.pki.caCert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(options.pki.adminCert)}`,
    `    client-key-data: ${b64(options.pki.adminKey)}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    '    user: admin',
    `current-context: ${name}`,
    '',
  ].join('\n');
}

/** A kubeconfig authenticating with a bearer token (service-account tokens for pods). */
export function tokenKubeconfig(options: { server: string; caPem: string; token: string; namespace: string }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: in-cluster',
    '  cluster:',
    `    server: ${options.server}`,
    `    certificate-authority-data: ${Buffer.from(options.caPem).toString('base64')}`,
    'users:',
    '- name: pod',
    '  user:',
    `    token: ${options.token}`,
    'contexts:',
    '- name: in-cluster',
    '  context:',
    '    cluster: in-cluster',
    '    user: pod',
    `    namespace: ${options.namespace}`,
    'current-context: in-cluster',
    '',
  ].join('\n');
}
