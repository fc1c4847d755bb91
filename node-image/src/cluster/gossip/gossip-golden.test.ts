// Golden tests for gossip (STYLE.md rule 20, in the manner of etcd raft's testdata): each file in
// testdata/ is a script of commands, each followed by "----" and the expected trace. Run with
// UPDATE_GOLDEN=1 to rewrite the expectations from the current behaviour, then review the diff.
//
// Commands:
//   cluster nodes=3 seeds=n1 seed=1 loss=0 delay=5-20 [ring-delay=30000]
//   start n1 n2 ... [shadow]    kill n3    shutdown n2    restart n3    gossip n1 (after a shadow round)
//   set n2 KEY=value            run 10s | run 500ms      view n1
//   trace messages=on|off       block n1 n2              unblock n1 n2
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isApplicationState } from './application-state.ts';
import { GossipSimulation } from './gossip-simulation.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface Case { readonly command: string; readonly expected: string }

function parse(text: string): Array<Case | { comment: string }> {
  const out: Array<Case | { comment: string }> = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') { i++; continue; }
    if (line.startsWith('#')) { out.push({ comment: line }); i++; continue; }
    const command = line.trim();
    i++;
    if (lines[i] !== '----') throw new Error(`expected ---- after '${command}' (line ${i + 1})`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    out.push({ command, expected: expected.join('\n') });
  }
  return out;
}

function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (m === null) throw new Error(`bad duration ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

class Runner {
  private sim: GossipSimulation | null = null;
  private printed = 0;

  private get s(): GossipSimulation {
    if (this.sim === null) throw new Error('no cluster: start with a cluster command');
    return this.sim;
  }

  private newTrace(): string[] {
    const lines = this.s.trace.slice(this.printed);
    this.printed = this.s.trace.length;
    return lines;
  }

  run(command: string): string {
    const [verb, ...args] = command.split(/\s+/);
    const kv = new Map(args.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]));
    const names = args.filter((a) => /^n\d+$/.test(a));
    switch (verb) {
      case 'cluster': {
        const [min, max] = (kv.get('delay') ?? '1-1').split('-').map(Number);
        this.sim = new GossipSimulation({
          nodeCount: Number(kv.get('nodes') ?? 3), seedNames: (kv.get('seeds') ?? 'n1').split(','), seed: Number(kv.get('seed') ?? 1),
          lossRate: Number(kv.get('loss') ?? 0), minDelayMs: min!, maxDelayMs: max ?? min!,
          ...(kv.has('ring-delay') ? { ringDelayMs: Number(kv.get('ring-delay')) } : {}),
        });
        this.printed = 0;
        return 'ok';
      }
      case 'start': for (const n of names) this.s.start(n, { shadowRound: args.includes('shadow') }); break;
      case 'restart': for (const n of names) this.s.start(n); break;
      case 'gossip': for (const n of names) this.s.startGossip(n); break;
      case 'kill': for (const n of names) this.s.kill(n); break;
      case 'shutdown': for (const n of names) this.s.shutdown(n); break;
      case 'block': this.s.block(names[0]!, names[1]!); return 'ok';
      case 'unblock': this.s.unblock(names[0]!, names[1]!); return 'ok';
      case 'trace': this.s.traceMessages = kv.get('messages') === 'on'; return 'ok';
      case 'set': {
        for (const [key, value] of kv) {
          if (!isApplicationState(key)) throw new Error(`unknown application state ${key}`);
          this.s.setLocalState(names[0]!, key, value);
        }
        break;
      }
      case 'run': this.s.run(durationMs(args[0]!)); break;
      case 'view': return names.flatMap((n) => this.s.view(n).map((l) => `${n}> ${l}`)).join('\n');
      default: throw new Error(`unknown command ${verb}`);
    }
    const lines = this.newTrace();
    return lines.length === 0 ? 'ok' : lines.join('\n');
  }
}

describe('gossip golden traces', () => {
  for (const file of readdirSync(TESTDATA).filter((f) => f.endsWith('.txt')).sort()) {
    it(file, () => {
      const path = join(TESTDATA, file);
      const cases = parse(readFileSync(path, 'utf8'));
      const runner = new Runner();
      const rewritten: string[] = [];
      for (const c of cases) {
        if ('comment' in c) { rewritten.push(c.comment); continue; }
        const actual = runner.run(c.command);
        rewritten.push(`${c.command}\n----\n${actual}\n`);
        if (!UPDATE) expect(`${c.command}\n${actual}`).toBe(`${c.command}\n${c.expected}`);
      }
      if (UPDATE) writeFileSync(path, `${rewritten.join('\n').replace(/\n+$/, '')}\n`);
    });
  }
});
