// Local cluster layouts from --nodes/--datacenters/--racks, and the cassia.yaml written per node
// (checked against the node's own config schema).
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadNodeConfig } from '../../src/config/index.ts';
import { LayoutError, LOCAL_NODES_MAX, parseDatacenters, planLayout, seedAddresses } from './cluster-layout.ts';
import { renderNodeConfig } from './node-config-file.ts';
import { plannedManifest } from './local-cluster.ts';

describe('planLayout', () => {
  it('defaults to one node in dc1/rack1 on 127.0.0.1', () => {
    expect(planLayout({})).toEqual([{ index: 1, name: 'node1', address: '127.0.0.1', dc: 'dc1', rack: 'rack1' }]);
  });

  it('places N nodes on 127.0.0.1..N and spreads racks round-robin', () => {
    const nodes = planLayout({ nodes: 4, racks: 2 });
    expect(nodes.map((n) => n.address)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(nodes.map((n) => n.rack)).toEqual(['rack1', 'rack2', 'rack1', 'rack2']);
  });

  it('fills data centers in order', () => {
    const nodes = planLayout({ datacenters: 'dc1:3, dc2:2', racks: 3 });
    expect(nodes.map((n) => `${n.name}@${n.dc}/${n.rack}`)).toEqual([
      'node1@dc1/rack1', 'node2@dc1/rack2', 'node3@dc1/rack3', 'node4@dc2/rack1', 'node5@dc2/rack2',
    ]);
    expect(seedAddresses(nodes)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.4', '127.0.0.5']);
  });

  it('rejects inconsistent or out-of-range requests', () => {
    expect(() => planLayout({ nodes: 3, datacenters: 'dc1:2' })).toThrow(LayoutError);
    expect(() => planLayout({ nodes: 0 })).toThrow(LayoutError);
    expect(() => planLayout({ nodes: LOCAL_NODES_MAX + 1 })).toThrow(LayoutError);
    expect(() => planLayout({ racks: 0 })).toThrow(LayoutError);
    expect(() => parseDatacenters('dc1')).toThrow(LayoutError);
    expect(() => parseDatacenters('dc1:1,dc1:2')).toThrow(LayoutError);
    expect(() => parseDatacenters('dc 1:1')).toThrow(LayoutError);
    expect(() => parseDatacenters('dc1:0')).toThrow(LayoutError);
  });
});

describe('plannedManifest', () => {
  const base = { foreground: false, startTimeoutMs: 1000, stopTimeoutMs: 1000 };
  it('uses defaults, then an existing manifest, then explicit flags', () => {
    const fresh = plannedManifest(base, null);
    expect(fresh.nodes[0]).toMatchObject({ cqlPort: 9042, storagePort: 7000, managementPort: 8080 });
    expect(fresh.commitLogSync).toBe('periodic');
    const custom = plannedManifest({ ...base, basePort: 19042, commitLogSync: 'batch', clusterName: 'x' }, null);
    const again = plannedManifest(base, custom);
    expect(again).toEqual(custom);
    expect(plannedManifest({ ...base, basePort: 29042 }, custom).nodes[0]!.cqlPort).toBe(29042);
    expect(plannedManifest({ ...base, nodes: 3 }, custom).nodes).toHaveLength(3);
  });
});

describe('renderNodeConfig', () => {
  it('writes a cassia.yaml the node accepts', () => {
    const [node] = planLayout({});
    const text = renderNodeConfig({
      clusterName: 'Cassia Local', node: node!, seeds: ['127.0.0.1'], cqlPort: 19042, storagePort: 17000, managementPort: 0,
      commitLogSync: 'batch', dataDirectory: '/x/node1/data', commitLogDirectory: '/x/node1/commitlog', hintsDirectory: '/x/node1/hints',
      managementTokenFile: '/x/management-token',
    });
    const config = loadNodeConfig(text, {});
    expect(config).toMatchObject({
      cluster_name: 'Cassia Local', listen_address: '127.0.0.1', rpc_address: '127.0.0.1', native_transport_port: 19042,
      storage_port: 17000, management_port: 0, commitlog_sync: 'batch', dc: 'dc1', rack: 'rack1', seeds: '127.0.0.1',
      data_file_directories: ['/x/node1/data'], commitlog_directory: '/x/node1/commitlog', hints_directory: '/x/node1/hints',
      management_token_file: '/x/management-token',
    });
    expect(parse(text)).not.toHaveProperty('log_level');
  });
});
