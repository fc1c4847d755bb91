import { describe, expect, it } from 'vitest';
import type { Pod } from '../kube/types.ts';
import { ContainerConfigError, expand, parseQuantity, resolveEnv } from './env.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const pod: Pod = {
  metadata: { name: 'echo-0', namespace: 'ns', uid: 'u-1', labels: { app: 'echo' } },
  spec: {
    nodeName: 'e2e-zone-a-0',
    containers: [
      {
        name: 'main',
        resources: { limits: { memory: '1Gi' } },
        envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 'sec' } }],
        env: [
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'URL', value: 'http://$(POD_IP):8080/$(MISSING)/$$(POD_IP)' },
          { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'cm', key: 'color' } } },
          { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope', optional: true } } },
        ],
      },
    ],
  },
};
const lookups = {
  configMap: async (_ns: string, name: string) => (name === 'cm' ? { metadata: { name }, data: { color: 'blue', NAME: 'overridden' } } : null),
  secret: async (_ns: string, name: string) => (name === 'sec' ? { metadata: { name }, data: { pw: b64('s3cret') } } : null),
};
const facts = { podIP: '127.0.10.4', hostIP: '127.0.1.1', nodeCpu: '16', nodeMemory: '64Gi' };

describe('resolveEnv', () => {
  it('resolves downward API, configmap/secret refs and expansion in order', async () => {
    const env = await resolveEnv({ pod, container: pod.spec.containers[0]!, facts, lookups });
    expect(Object.fromEntries(env)).toEqual({
      color: 'blue',
      NAME: 'echo-0',
      S_pw: 's3cret',
      POD_IP: '127.0.10.4',
      APP: 'echo',
      NODE: 'e2e-zone-a-0',
      URL: 'http://127.0.10.4:8080/$(MISSING)/$(POD_IP)',
      MEM_MI: '1024',
      CPU: '16',
      KEY: 'blue',
    });
  });

  it('fails with ContainerConfigError for a missing non-optional source', async () => {
    const c = { name: 'c', envFrom: [{ secretRef: { name: 'absent' } }] };
    await expect(resolveEnv({ pod, container: c, facts, lookups })).rejects.toBeInstanceOf(ContainerConfigError);
  });
});

describe('expand / parseQuantity', () => {
  it('handles edge cases', () => {
    const v = new Map([['A', 'x']]);
    expect(expand('$(A)$(A', v)).toBe('x$(A');
    expect(expand('$$$(A)$', v)).toBe('$x$');
    expect(expand('$()', v)).toBe('$()');
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2Gi')).toBe(2 ** 31);
    expect(() => parseQuantity('2Zi')).toThrow(ContainerConfigError);
  });
});
