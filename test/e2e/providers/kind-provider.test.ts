import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kindConfig } from './kind-provider.ts';

describe('kindConfig', () => {
  it('has one control plane and zone-labelled workers', () => {
    const cfg = parse(kindConfig(['a', 'b', 'c'], 2)) as { nodes: { role: string; labels?: Record<string, string> }[] };
    expect(cfg.nodes[0]).toEqual({ role: 'control-plane' });
    const workers = cfg.nodes.filter((n) => n.role === 'worker');
    expect(workers).toHaveLength(6);
    expect(workers.map((w) => w.labels?.['topology.kubernetes.io/zone'])).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });
});
