// Kubernetes Events for what the operator does and refuses. Repeats of the same event on the same
// object within the aggregation window bump count and lastTimestamp instead of creating new
// objects. Best effort: a failure to record is logged, never thrown.
import type { Clock } from './clock.ts';
import { Resources, type KubeApi, type KubeObject } from './kube-api.ts';
import type { Logger } from './logger.ts';

export type EventType = 'Normal' | 'Warning';

export const EVENT_AGGREGATION_WINDOW_MS = 10 * 60_000;
/** Distinct (object, reason, message) entries remembered for aggregation. */
export const EVENT_CACHE_ENTRIES_MAX = 4096;
export const EVENT_MESSAGE_CHARS_MAX = 1024;

export interface EventSink {
  record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export class EventRecorder implements EventSink {
  private readonly api: KubeApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly component: string;
  private readonly instance: string;
  private readonly cache = new Map<string, { name: string; namespace: string; count: number; firstTimestamp: string; lastMs: number }>();
  private seq = 0;
  /** Events created and aggregated (for tests and metrics). */
  readonly counts = { created: 0, aggregated: 0, failed: 0 };

  constructor(options: { api: KubeApi; clock: Clock; log: Logger; component: string; instance: string }) {
    this.api = options.api;
    this.clock = options.clock;
    this.log = options.log;
    this.component = options.component;
    this.instance = options.instance;
  }

  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const msg = message.length > EVENT_MESSAGE_CHARS_MAX ? `${message.slice(0, EVENT_MESSAGE_CHARS_MAX - 3)}...` : message;
    const namespace = object.metadata.namespace ?? 'default';
    const key = `${object.metadata.uid ?? `${namespace}/${object.metadata.name}`}|${type}|${reason}|${msg}`;
    const nowMs = this.clock.nowMs();
    const now = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cached = this.cache.get(key);
    try {
      if (cached !== undefined && nowMs - cached.lastMs < EVENT_AGGREGATION_WINDOW_MS) {
        cached.count++;
        cached.lastMs = nowMs;
        this.cache.delete(key);
        this.cache.set(key, cached);
        await this.api.mergePatch(Resources.event, cached.namespace, cached.name, { count: cached.count, lastTimestamp: now });
        this.counts.aggregated++;
        return;
      }
      const name = `${object.metadata.name}.${nowMs.toString(16)}${(this.seq++ % 4096).toString(16).padStart(3, '0')}`;
      await this.api.create(Resources.event, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace,
          uid: object.metadata.uid,
          resourceVersion: object.metadata.resourceVersion,
        },
        type,
        reason,
        message: msg,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
      });
      this.counts.created++;
      this.cache.set(key, { name, namespace, count: 1, firstTimestamp: now, lastMs: nowMs });
      if (this.cache.size > EVENT_CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value!);
    } catch (error) {
      this.counts.failed++;
      this.cache.delete(key);
      this.log.warn({ err: String(error), reason }, 'recording event failed');
    }
  }
}

/** Keeps events in memory (tests, benchmarks). */
export class MemoryEventSink implements EventSink {
  readonly events: Array<{ object: string; type: EventType; reason: string; message: string }> = [];

  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    if (this.events.length >= 100_000) this.events.shift();
    this.events.push({ object: `${object.kind}/${object.metadata.name}`, type, reason, message });
  }
}
