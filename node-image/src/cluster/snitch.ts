// The snitch: where endpoints are. The local dc/rack come from configuration (as
// GossipingPropertyFileSnitch reads cassandra-rackdc.properties); peers' come from gossip (DC, RACK
// application states) via TokenMetadata. Proximity order: self, same rack, same DC, the rest;
// endpoints with an unknown location sort last. Sorting is stable.
import { configError } from '../lib/index.ts';
import type { EndpointAddress } from './endpoint.ts';

export interface Location {
  readonly dc: string;
  readonly rack: string;
}

/** Names GossipingPropertyFileSnitch reports when it knows nothing about an endpoint. */
export const UNKNOWN_DC = 'UNKNOWN_DC';
export const UNKNOWN_RACK = 'UNKNOWN_RACK';
/** Longest dc or rack name we accept from configuration. */
export const LOCATION_NAME_LENGTH_MAX = 256;

/** Validates the configured dc and rack (trimmed, non-empty, printable, bounded). */
export function localLocation(dc: string, rack: string): Location {
  const check = (what: string, value: string): string => {
    const v = value.trim();
    if (v.length === 0 || v.length > LOCATION_NAME_LENGTH_MAX || /[\x00-\x1f,]/.test(v)) {
      throw configError(`invalid ${what} name '${value}': 1 to ${LOCATION_NAME_LENGTH_MAX} printable characters, no commas`);
    }
    return v;
  };
  return { dc: check('dc', dc), rack: check('rack', rack) };
}

export const Proximity = { Self: 0, SameRack: 1, SameDc: 2, Remote: 3 } as const;
export type ProximityValue = (typeof Proximity)[keyof typeof Proximity];

export interface LocalEndpoint extends Location {
  readonly address: EndpointAddress;
}

export function proximityOf(self: LocalEndpoint, endpoint: EndpointAddress, location: Location | undefined): ProximityValue {
  if (endpoint === self.address) return Proximity.Self;
  if (location === undefined || location.dc !== self.dc) return Proximity.Remote;
  return location.rack === self.rack ? Proximity.SameRack : Proximity.SameDc;
}

/** Endpoints ordered closest first: self, same rack, same DC, others (stable within a class). */
export function sortByProximity(
  self: LocalEndpoint,
  endpoints: readonly EndpointAddress[],
  locate: (endpoint: EndpointAddress) => Location | undefined,
): EndpointAddress[] {
  const keyed = endpoints.map((endpoint, index) => ({ endpoint, index, p: proximityOf(self, endpoint, locate(endpoint)) }));
  keyed.sort((a, b) => a.p - b.p || a.index - b.index);
  return keyed.map((k) => k.endpoint);
}
