// One incarnation of a simulated process (a node between a start and a crash, or the workload's
// client). Events owned by a dead process never run: a crashed node executes no more timers,
// fsync completions or socket callbacks. Death listeners (network resets, client failures) run
// synchronously at the instant of death, in registration order.
import { assert } from '../lib/index.ts';

/** Bound on death listeners per incarnation (sockets, in-flight client calls). */
export const DEATH_LISTENERS_MAX = 100_000;

export class SimProcess {
  readonly name: string;
  readonly incarnation: number;
  private aliveFlag = true;
  private readonly deathListeners = new Set<() => void>();

  constructor(options: { name: string; incarnation: number }) {
    this.name = options.name;
    this.incarnation = options.incarnation;
  }

  get alive(): boolean {
    return this.aliveFlag;
  }

  /** Registers `fn` to run when this process dies; returns the unregister function. */
  onDeath(fn: () => void): () => void {
    if (!this.aliveFlag) {
      fn();
      return () => {};
    }
    assert(this.deathListeners.size < DEATH_LISTENERS_MAX, `sim: too many death listeners on ${this.name}`);
    this.deathListeners.add(fn);
    return () => {
      this.deathListeners.delete(fn);
    };
  }

  /** The process dies now: nothing it owns runs again. */
  kill(): void {
    if (!this.aliveFlag) return;
    this.aliveFlag = false;
    const listeners = [...this.deathListeners];
    this.deathListeners.clear();
    for (const fn of listeners) fn();
  }

  toString(): string {
    return `${this.name}#${this.incarnation}`;
  }
}
