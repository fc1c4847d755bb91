// EVENT bodies pushed on stream -1 to connections that REGISTERed for the type: TOPOLOGY_CHANGE and
// STATUS_CHANGE carry the node's native address as [inet]; SCHEMA_CHANGE reuses the Schema_change
// result layout. A body is encoded once per event and framed per connection.
import type { SchemaChangeEvent } from '../cql/index.ts';
import { assertNever } from '../lib/index.ts';
import { parseIpAddress } from '../schema/index.ts';
import { BodyWriter } from './body-writer.ts';
import { FRAME_HEADER_BYTES } from './frame-header.ts';
import { writeSchemaChange } from './result-encoder.ts';

export type ProtocolEvent =
  | { readonly type: 'TOPOLOGY_CHANGE'; readonly change: 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE'; readonly address: string; readonly port: number }
  | { readonly type: 'STATUS_CHANGE'; readonly change: 'UP' | 'DOWN'; readonly address: string; readonly port: number }
  | { readonly type: 'SCHEMA_CHANGE'; readonly event: SchemaChangeEvent };

const EVENT_FRAME_HINT_BYTES = 128;
const PORT_MAX = 0xffff;

/** An EVENT frame with FRAME_HEADER_BYTES reserved at the front. Throws on a malformed address. */
export function encodeEventFrame(event: ProtocolEvent): Buffer {
  const writer = new BodyWriter(EVENT_FRAME_HINT_BYTES, FRAME_HEADER_BYTES);
  writer.writeString(event.type);
  switch (event.type) {
    case 'TOPOLOGY_CHANGE':
    case 'STATUS_CHANGE': {
      const address = parseIpAddress(event.address);
      if (address === undefined) throw new TypeError(`Event address '${event.address}' is not an IP address`);
      if (!Number.isInteger(event.port) || event.port < 0 || event.port > PORT_MAX) throw new TypeError(`Event port ${event.port} is out of range`);
      writer.writeString(event.change);
      writer.writeInet(address, event.port);
      break;
    }
    case 'SCHEMA_CHANGE':
      writeSchemaChange(writer, event.event);
      break;
    default:
      assertNever(event, 'event');
  }
  return writer.finish();
}
