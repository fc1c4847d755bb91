// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function (top N) and inclusive time
// of chosen functions, as JSON lines, so profiles before and after a change can be compared.
// Usage: node bench/cpuprofile-summary.ts <file.cpuprofile> [topN=40] [inclusive=fnA,fnB] [under=fn]
// (`under`: the self-time table counts only samples with `fn` on the stack.)
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topArg, inclusiveArg, underArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: node bench/cpuprofile-summary.ts <file.cpuprofile> [topN] [inclusive=fnA,fnB]');
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
}
const label = (node: ProfileNode): string => {
  const f = node.callFrame;
  const where = f.url === '' ? '' : ` ${basename(f.url)}:${f.lineNumber + 1}`;
  return `${f.functionName === '' ? '(anonymous)' : f.functionName}${where}`;
};

const selfMicros = new Map<string, number>();
const inclusiveMicros = new Map<string, number>();
const inclusiveNames = new Set((inclusiveArg ?? '').split(',').filter((n) => n !== ''));
let totalMicros = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  totalMicros += delta;
  const node = byId.get(profile.samples[i]!)!;
  const name = label(node);
  if (underArg === undefined || underArg === '' || hasAncestor(node.id, underArg)) selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
  if (inclusiveNames.size > 0) {
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const fn = byId.get(id)!.callFrame.functionName;
      if (inclusiveNames.has(fn) && !seen.has(fn)) {
        seen.add(fn);
        inclusiveMicros.set(fn, (inclusiveMicros.get(fn) ?? 0) + delta);
      }
    }
  }
}
function hasAncestor(id: number, functionName: string): boolean {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    if (byId.get(at)!.callFrame.functionName === functionName) return true;
  }
  return false;
}

const pct = (micros: number): number => Math.round((micros / totalMicros) * 1000) / 10;
process.stdout.write(`${JSON.stringify({ type: 'profile', file: basename(file), total_ms: Math.round(totalMicros / 1000), samples: profile.samples.length })}\n`);
for (const [name, micros] of [...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${JSON.stringify({ type: 'self', pct: pct(micros), ms: Math.round(micros / 1000), fn: name })}\n`);
}
for (const [name, micros] of inclusiveMicros) {
  process.stdout.write(`${JSON.stringify({ type: 'inclusive', pct: pct(micros), ms: Math.round(micros / 1000), fn: name })}\n`);
}
