/**
 * rtnetlink's schema (every attribute set, by name) and its five message families. The message
 * types below are derived from the tables; nothing here is written by hand per attribute.
 */
import { defineFamily, defineMessage, defineSchema, type MessageFamily } from '../core/message.js';
import type { AttrsOf, MessageOf, SelectCases, AttrSpecOf } from '../core/spec.js';
import { addrSets, ifaddrmsg } from './addr.js';
import * as K from './constants.js';
import { linkSets } from './link.js';
import { ifinfomsg } from './link-structs.js';
import { linkinfoSets } from './linkinfo.js';
import { ndmsg, neighSets } from './neigh.js';
import { routeSets, rtmsg } from './route.js';
import { fib_rule_hdr, ruleSets } from './rule.js';

export const rtnlSchema = defineSchema({ ...linkSets, ...linkinfoSets, ...addrSets, ...routeSets, ...ruleSets, ...neighSets });
type S = typeof rtnlSchema.def;

export type LinkMessage = MessageOf<S, typeof ifinfomsg, 'link-attrs'>;
export type LinkMessageInput = MessageOf<S, typeof ifinfomsg, 'link-attrs', 'in'>;
export type LinkAttrs = AttrsOf<S, 'link-attrs'>;
export type LinkInfo = AttrsOf<S, 'linkinfo-attrs'>;
/** IFLA_INFO_DATA by kind: LinkInfoDataByKind['vxlan'] is the vxlan attribute object. */
export type LinkInfoDataByKind = SelectCases<S, AttrSpecOf<S, 'linkinfo-attrs', 'data'>>;
/** IFLA_INFO_SLAVE_DATA by slave kind ('bridge' port, 'bond' slave). */
export type LinkInfoSlaveDataByKind = SelectCases<S, AttrSpecOf<S, 'linkinfo-attrs', 'slaveData'>>;
export type AddrMessage = MessageOf<S, typeof ifaddrmsg, 'addr-attrs'>;
export type AddrMessageInput = MessageOf<S, typeof ifaddrmsg, 'addr-attrs', 'in'>;
export type RouteMessage = MessageOf<S, typeof rtmsg, 'route-attrs'>;
export type RouteMessageInput = MessageOf<S, typeof rtmsg, 'route-attrs', 'in'>;
export type RouteAttrs = AttrsOf<S, 'route-attrs'>;
/** One RTA_MULTIPATH entry. */
export type NextHopEntry = NonNullable<RouteAttrs['multipath']>[number];
export type RouteMetrics = AttrsOf<S, 'metrics-attrs'>;
export type RuleMessage = MessageOf<S, typeof fib_rule_hdr, 'rule-attrs'>;
export type RuleMessageInput = MessageOf<S, typeof fib_rule_hdr, 'rule-attrs', 'in'>;
export type NeighMessage = MessageOf<S, typeof ndmsg, 'neigh-attrs'>;
export type NeighMessageInput = MessageOf<S, typeof ndmsg, 'neigh-attrs', 'in'>;

const link = defineFamily('link', defineMessage(rtnlSchema, ifinfomsg, 'link-attrs'),
  { new: K.RTM_NEWLINK, del: K.RTM_DELLINK, get: K.RTM_GETLINK, set: K.RTM_SETLINK },
  { [K.RTM_NEWLINK]: 'RTM_NEWLINK', [K.RTM_DELLINK]: 'RTM_DELLINK', [K.RTM_GETLINK]: 'RTM_GETLINK', [K.RTM_SETLINK]: 'RTM_SETLINK' });
const addr = defineFamily('addr', defineMessage(rtnlSchema, ifaddrmsg, 'addr-attrs'),
  { new: K.RTM_NEWADDR, del: K.RTM_DELADDR, get: K.RTM_GETADDR },
  { [K.RTM_NEWADDR]: 'RTM_NEWADDR', [K.RTM_DELADDR]: 'RTM_DELADDR', [K.RTM_GETADDR]: 'RTM_GETADDR' });
const route = defineFamily('route', defineMessage(rtnlSchema, rtmsg, 'route-attrs'),
  { new: K.RTM_NEWROUTE, del: K.RTM_DELROUTE, get: K.RTM_GETROUTE },
  { [K.RTM_NEWROUTE]: 'RTM_NEWROUTE', [K.RTM_DELROUTE]: 'RTM_DELROUTE', [K.RTM_GETROUTE]: 'RTM_GETROUTE' });
const rule = defineFamily('rule', defineMessage(rtnlSchema, fib_rule_hdr, 'rule-attrs'),
  { new: K.RTM_NEWRULE, del: K.RTM_DELRULE, get: K.RTM_GETRULE },
  { [K.RTM_NEWRULE]: 'RTM_NEWRULE', [K.RTM_DELRULE]: 'RTM_DELRULE', [K.RTM_GETRULE]: 'RTM_GETRULE' });
const neigh = defineFamily('neigh', defineMessage(rtnlSchema, ndmsg, 'neigh-attrs'),
  { new: K.RTM_NEWNEIGH, del: K.RTM_DELNEIGH, get: K.RTM_GETNEIGH },
  { [K.RTM_NEWNEIGH]: 'RTM_NEWNEIGH', [K.RTM_DELNEIGH]: 'RTM_DELNEIGH', [K.RTM_GETNEIGH]: 'RTM_GETNEIGH' });

/** The rtnetlink message families. Each: decode(payload), encode(msg), types { new, del, get }. */
export const rtnl: {
  readonly link: MessageFamily<LinkMessage, LinkMessageInput> & { readonly types: { new: 16; del: 17; get: 18; set: 19 } };
  readonly addr: MessageFamily<AddrMessage, AddrMessageInput> & { readonly types: { new: 20; del: 21; get: 22 } };
  readonly route: MessageFamily<RouteMessage, RouteMessageInput> & { readonly types: { new: 24; del: 25; get: 26 } };
  readonly rule: MessageFamily<RuleMessage, RuleMessageInput> & { readonly types: { new: 32; del: 33; get: 34 } };
  readonly neigh: MessageFamily<NeighMessage, NeighMessageInput> & { readonly types: { new: 28; del: 29; get: 30 } };
} = Object.freeze({ link, addr, route, rule, neigh });
