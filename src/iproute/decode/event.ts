/**
 * One function for dumps and multicast notifications alike: what a raw rtnetlink message says
 * about one object, as a record event. Messages that are not about the five record kinds (control
 * messages, other families such as AF_BRIDGE link and FDB messages, multicast routes) give null.
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
import { addressRecordAt } from './address.js';
import { interfaceRecordAt } from './link.js';
import { neighbourRecordAt } from './neighbour.js';
import { routeRecordAt } from './route.js';
import { ruleRecordAt } from './rule.js';

export function toRecordEvent(raw: RawMessage): RecordEvent | null {
  switch (raw.type) {
    case RTM_NEWLINK: case RTM_DELLINK: {
      const record = interfaceRecordAt(raw.payload);
      return record && { kind: 'interface', op: raw.type === RTM_NEWLINK ? 'new' : 'del', record };
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
