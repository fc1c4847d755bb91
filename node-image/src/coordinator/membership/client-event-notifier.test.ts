import { describe, expect, it } from 'vitest';
import { endpointAddress } from '../../cluster/index.ts';
import { ClientEventNotifier } from './client-event-notifier.ts';

const B = endpointAddress('127.0.0.2:7000');
const NATIVE = { host: '127.0.0.2', port: 9042 };

describe('ClientEventNotifier', () => {
  it('holds NEW_NODE until the node serves, then sends it before UP; suppresses repeats', () => {
    const n = new ClientEventNotifier();
    n.joined(B, NATIVE, false);
    expect(n.take()).toEqual([]);
    n.up(B, NATIVE);
    n.up(B, NATIVE);
    expect(n.take().map((e) => e.change)).toEqual(['NEW_NODE', 'UP']);
    n.down(B, NATIVE);
    n.down(B, NATIVE);
    n.up(B, NATIVE);
    n.moved(B, NATIVE);
    n.left(B, NATIVE);
    expect(n.take()).toEqual([
      { type: 'STATUS_CHANGE', change: 'DOWN', address: '127.0.0.2', port: 9042 },
      { type: 'STATUS_CHANGE', change: 'UP', address: '127.0.0.2', port: 9042 },
      { type: 'TOPOLOGY_CHANGE', change: 'MOVED_NODE', address: '127.0.0.2', port: 9042 },
      { type: 'TOPOLOGY_CHANGE', change: 'REMOVED_NODE', address: '127.0.0.2', port: 9042 },
    ]);
  });

  it('sends NEW_NODE at once for a node that already serves', () => {
    const n = new ClientEventNotifier();
    n.joined(B, NATIVE, true);
    expect(n.take().map((e) => `${e.type}:${e.change}`)).toEqual(['TOPOLOGY_CHANGE:NEW_NODE']);
  });
});
