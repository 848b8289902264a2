/**
 * One function for dumps and multicast notifications alike: what a raw rtnetlink message says
 * about one object, as a record event. Messages that are not about the five record kinds (control
 * messages, FDB messages, multicast routes) give null; a bridge port's AF_BRIDGE link message gives
 * the port settings it announces (op 'port').
 *
 * A link that moves to another namespace announces itself with RTM_DELLINK in the namespace it
 * left (and RTM_NEWLINK in the one it joined): for this namespace it is simply gone.
 *
 * A malformed payload throws the codec's DecodeError: dropping it silently would lose a change.
 */
import {
  RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELROUTE, RTM_DELRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH,
  RTM_NEWROUTE, RTM_NEWRULE, type RawMessage,
} from '../../messages/index.js';
import type { RecordEvent } from '../records.js';
import { addressRecordAt, addressRecordMapper } from './address.js';
import { bridgePortRecordAt, interfaceRecordAt, interfaceRecordMapper } from './link.js';
import { neighbourRecordAt, neighbourRecordMapper } from './neighbour.js';
import { routeRecordAt, routeRecordMapper } from './route.js';
import { ruleRecordAt, ruleRecordMapper } from './rule.js';

export function toRecordEvent(raw: RawMessage): RecordEvent | null {
  switch (raw.type) {
    case RTM_NEWLINK: case RTM_DELLINK: {
      const record = interfaceRecordAt(raw.payload);
      if (record === null) return bridgePortEvent(raw);
      return { kind: 'interface', op: raw.type === RTM_NEWLINK ? 'new' : 'del', record };
    }
    case RTM_NEWADDR: case RTM_DELADDR: {
      const record = addressRecordAt(raw.payload);
      return record && { kind: 'address', op: raw.type === RTM_NEWADDR ? 'new' : 'del', record };
    }
    case RTM_NEWROUTE: case RTM_DELROUTE: {
      const record = routeRecordAt(raw.payload);
      return record && { kind: 'route', op: raw.type === RTM_NEWROUTE ? 'new' : 'del', record };
    }
    case RTM_NEWNEIGH: case RTM_DELNEIGH: {
      const record = neighbourRecordAt(raw.payload);
      return record && { kind: 'neighbour', op: raw.type === RTM_NEWNEIGH ? 'new' : 'del', record };
    }
    case RTM_NEWRULE: case RTM_DELRULE: {
      const record = ruleRecordAt(raw.payload);
      return record && { kind: 'rule', op: raw.type === RTM_NEWRULE ? 'new' : 'del', record };
    }
    default:
      return null;
  }
}

/**
 * An AF_BRIDGE RTM_NEWLINK as the port settings it announces (records.ts, BridgePortEvent). Its
 * RTM_DELLINK (a port leaving its bridge) says nothing the AF_UNSPEC message beside it does not.
 */
function bridgePortEvent(raw: RawMessage): RecordEvent | null {
  if (raw.type !== RTM_NEWLINK) return null;
  const record = bridgePortRecordAt(raw.payload);
  return record && { kind: 'interface', op: 'port', record };
}

/**
 * toRecordEvent for a stream of messages (an event socket's notifications): the same events, read
 * through the readers generated for each kind (readers.generated.ts), as dumps read them. The
 * readers are made on first use of each kind; the route reader shares the strings of gateways and
 * preferred sources between records, among the last `internLimit` distinct ones (a long-lived
 * stream must not keep every string it ever saw).
 */
export function recordEventMapper(internLimit = 1024): (raw: RawMessage) => RecordEvent | null {
  let link: ReturnType<typeof interfaceRecordMapper> | undefined;
  let address: ReturnType<typeof addressRecordMapper> | undefined;
  let route: ReturnType<typeof routeRecordMapper> | undefined;
  let neighbour: ReturnType<typeof neighbourRecordMapper> | undefined;
  let rule: ReturnType<typeof ruleRecordMapper> | undefined;
  return (raw) => {
    const p = raw.payload;
    switch (raw.type) {
      case RTM_NEWLINK: case RTM_DELLINK: {
        const record = (link ??= interfaceRecordMapper())(p, 0, p.length);
        if (record === null) return bridgePortEvent(raw);
        return { kind: 'interface', op: raw.type === RTM_NEWLINK ? 'new' : 'del', record };
      }
      case RTM_NEWADDR: case RTM_DELADDR: {
        const record = (address ??= addressRecordMapper())(p, 0, p.length);
        return record && { kind: 'address', op: raw.type === RTM_NEWADDR ? 'new' : 'del', record };
      }
      case RTM_NEWROUTE: case RTM_DELROUTE: {
        const record = (route ??= routeRecordMapper(internLimit))(p, 0, p.length);
        return record && { kind: 'route', op: raw.type === RTM_NEWROUTE ? 'new' : 'del', record };
      }
      case RTM_NEWNEIGH: case RTM_DELNEIGH: {
        const record = (neighbour ??= neighbourRecordMapper())(p, 0, p.length);
        return record && { kind: 'neighbour', op: raw.type === RTM_NEWNEIGH ? 'new' : 'del', record };
      }
      case RTM_NEWRULE: case RTM_DELRULE: {
        const record = (rule ??= ruleRecordMapper())(p, 0, p.length);
        return record && { kind: 'rule', op: raw.type === RTM_NEWRULE ? 'new' : 'del', record };
      }
      default:
        return null;
    }
  };
}
