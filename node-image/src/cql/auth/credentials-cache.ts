// Recently verified credentials, so that a burst of connections (a driver opening its pools) pays
// the password KDF once per role rather than once per connection. An entry holds a keyed digest
// (HMAC-SHA256 under a per-instance random key) of the password that verified against one stored
// hash: it answers only for that same stored hash (a changed password misses) and only until its
// short TTL passes. Bounded in entries (least recently used evicted first).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, Random } from '../../io/index.ts';

export const CREDENTIALS_CACHE_ENTRIES_MAX = 1024;
/** Like Cassandra's credentials_validity (2 s by default), kept short: the cache saves CPU, not reads. */
export const CREDENTIALS_CACHE_TTL_MS = 10_000;

interface Entry {
  readonly storedHash: string;
  readonly digest: Buffer;
  readonly expiresAtMs: number;
}

export interface CredentialsCacheOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly entriesMax?: number;
  readonly ttlMs?: number;
}

export class CredentialsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly key: Buffer;
  private readonly clock: Clock;
  private readonly entriesMax: number;
  private readonly ttlMs: number;

  constructor(options: CredentialsCacheOptions) {
    this.clock = options.clock;
    this.entriesMax = options.entriesMax ?? CREDENTIALS_CACHE_ENTRIES_MAX;
    this.ttlMs = options.ttlMs ?? CREDENTIALS_CACHE_TTL_MS;
    if (this.entriesMax < 1 || this.ttlMs < 0) throw new Error('credentials cache bounds must be positive');
    this.key = Buffer.alloc(32);
    options.random.fillBytes(this.key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** True when `password` verified against `storedHash` for `role` within the TTL. */
  has(role: string, storedHash: string, password: string): boolean {
    const entry = this.entries.get(role);
    if (entry === undefined) return false;
    if (this.clock.monotonicMs() >= entry.expiresAtMs || entry.storedHash !== storedHash) {
      this.entries.delete(role);
      return false;
    }
    if (!timingSafeEqual(this.digest(password), entry.digest)) return false;
    this.entries.delete(role);
    this.entries.set(role, entry);
    return true;
  }

  /** Records a successful verification. */
  add(role: string, storedHash: string, password: string): void {
    this.entries.delete(role);
    this.entries.set(role, { storedHash, digest: this.digest(password), expiresAtMs: this.clock.monotonicMs() + this.ttlMs });
    if (this.entries.size > this.entriesMax) this.entries.delete(this.entries.keys().next().value!);
  }

  invalidate(role: string): void {
    this.entries.delete(role);
  }

  clear(): void {
    this.entries.clear();
  }

  private digest(password: string): Buffer {
    return createHmac('sha256', this.key).update(password, 'utf8').digest();
  }
}
