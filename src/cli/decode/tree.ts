/**
 * A decoded message as a tree of lines, each with the friendly name and the kernel's constant
 * (`ifname (IFLA_IFNAME): "v0"`). The walk follows the same tables the codecs were built from
 * (a family's header struct and attribute set, in its schema), so nothing is described twice:
 * a new attribute in a table shows up here with its kernel name.
 */
import {
  AF, FIB_RULE, GENL_OP, IFA_F, IFF, NTF, NUD, RTM_F, RTNH_F, nlctrl, nlmsgFlagNames, nlctrlSchema, rtnl, rtnlSchema,
  type AttrSpec, type CodecSpec, type DecodedMessage, type DoneMessage, type EnumDef, type ErrorMessage,
  type FlagsDef, type MessageFamily, type NlMsgHeader, type RawAttr, type Registry, type Schema, type StructDef,
} from '../../messages/index.js';
import { errnoMessage, errnoName } from '../../transport/index.js';

export interface TreeNode {
  /** The friendly name ('ifname'), or a heading. */
  readonly label: string;
  /** The kernel's constant or C field name ('IFLA_IFNAME', 'ifi_index'). */
  readonly kernel?: string;
  readonly value?: string;
  /** Something that could not be decoded: shown with a '!'. */
  readonly problem?: boolean;
  readonly children?: readonly TreeNode[];
}

/** Which schema each known family's tables live in. */
const SCHEMAS: ReadonlyMap<MessageFamily<any, any>, Schema> = new Map<MessageFamily<any, any>, Schema>([
  ...[rtnl.link, rtnl.addr, rtnl.route, rtnl.rule, rtnl.neigh].map((f) => [f, rtnlSchema.def] as [MessageFamily<any, any>, Schema]),
  [nlctrl, nlctrlSchema.def],
]);

/**
 * Bit sets and address families are plain numbers in the tables; name their bits for people.
 * Keyed by the kernel's field or attribute name (`struct.field` where the name alone is vague).
 */
const FLAGS: Readonly<Record<string, FlagsDef>> = {
  ifi_flags: IFF, ifi_change: IFF, ifa_flags: IFA_F, IFA_FLAGS: IFA_F, ndm_state: NUD, ndm_flags: NTF,
  rtm_flags: RTM_F, rtnh_flags: RTNH_F, 'fib_rule_hdr.flags': FIB_RULE, CTRL_ATTR_OP_FLAGS: GENL_OP,
};
const FAMILY_FIELDS = new Set(['ifi_family', 'ifa_family', 'rtm_family', 'ndm_family', 'fib_rule_hdr.family']);

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/** A byte string: inline when short, else rows of 16 bytes under the line. */
function bytesNode(label: string, kernel: string | undefined, b: Buffer, note = ''): TreeNode {
  const head = `${b.length} byte${b.length === 1 ? '' : 's'}${note}`;
  if (b.length <= 16) return { label, kernel, value: b.length === 0 ? `(empty)${note}` : `${hex(b)}  (${head})` };
  const rows: TreeNode[] = [];
  for (let i = 0; i < b.length; i += 16) rows.push({ label: i.toString(16).padStart(4, '0'), value: hex(b.subarray(i, i + 16)) });
  return { label, kernel, value: head, children: rows };
}

function scalar(v: unknown, opts: { enumDef?: EnumDef | undefined; flags?: FlagsDef | undefined; family?: boolean } = {}): string {
  if (typeof v === 'string') {
    if (opts.enumDef) {
      try { return `${v} (${opts.enumDef.value(v)})`; } catch { return v; }
    }
    return JSON.stringify(v);
  }
  if (typeof v === 'number') {
    if (opts.flags) return v === 0 ? '0' : `0x${v.toString(16)} <${opts.flags.names(v).join(',')}>`;
    if (opts.family) {
      const n = AF.name(v);
      return typeof n === 'string' ? `${v} (AF_${n.toUpperCase()})` : String(v);
    }
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v === true) return 'true (flag)';
  if (v === false || v === null || v === undefined) return String(v);
  if (Buffer.isBuffer(v)) return hex(v);
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

interface Ctx {
  readonly schema: Schema;
  /** The enclosing message's header fields, for selects by '#field'. */
  readonly header: Readonly<Record<string, unknown>>;
}

export function structNodes(def: StructDef, value: Readonly<Record<string, unknown>>): TreeNode[] {
  const out: TreeNode[] = [];
  for (const f of def.fields) {
    const v = value[f.name];
    if (v === undefined) continue;
    const key = `${def.name}.${f.kernel}`;
    if (typeof v === 'string' && /^(ip|mac)/.test(f.type)) { out.push({ label: f.name, kernel: f.kernel, value: v }); continue; }
    out.push({
      label: f.name, kernel: f.kernel,
      value: scalar(v, { enumDef: f.enum, flags: FLAGS[key] ?? FLAGS[f.kernel], family: FAMILY_FIELDS.has(key) || FAMILY_FIELDS.has(f.kernel) }),
    });
  }
  return out;
}

function attrNodes(ctx: Ctx, setName: string, attrs: unknown): TreeNode[] {
  const set = ctx.schema[setName];
  if (!set || typeof attrs !== 'object' || attrs === null || Buffer.isBuffer(attrs)) {
    return [Buffer.isBuffer(attrs) ? bytesNode('(raw)', undefined, attrs) : { label: '(value)', value: scalar(attrs) }];
  }
  const byName = new Map<string, AttrSpec>(set.attrs.map((a) => [a.name, a]));
  const out: TreeNode[] = [];
  const rec = attrs as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    const spec = byName.get(key);
    const v = rec[key];
    if (!spec) {
      for (const raw of (Array.isArray(v) ? v : [v]) as RawAttr[]) out.push(unknownAttr(key, raw));
      continue;
    }
    if (spec.multi && Array.isArray(v)) {
      v.forEach((item, i) => out.push(valueNode(ctx, `${spec.name}[${i}]`, spec.kernel, spec, item, rec)));
    } else {
      out.push(valueNode(ctx, spec.name, spec.kernel, spec, v, rec));
    }
  }
  return out;
}

function unknownAttr(key: string, raw: RawAttr | undefined): TreeNode {
  const type = raw?.type ?? Number(key.slice(key.lastIndexOf('_') + 1));
  const data = raw?.data ?? Buffer.alloc(0);
  return bytesNode(`(unknown attribute ${type & 0x3fff})`, key, data, ', not in the tables');
}

function valueNode(ctx: Ctx, label: string, kernel: string | undefined, codec: CodecSpec, v: unknown, siblings: Readonly<Record<string, unknown>>): TreeNode {
  if (Buffer.isBuffer(v) && codec.codec !== 'binary') return bytesNode(label, kernel, v);
  switch (codec.codec) {
    case 'nested':
      return { label, kernel, children: attrNodes(ctx, codec.set, v) };
    case 'nested-array':
      return { label, kernel, children: (v as unknown[]).map((item, i) => valueNode(ctx, `[${i}]`, undefined, codec.item, item, {})) };
    case 'struct':
      return { label, kernel, value: `(${codec.struct.name})`, children: structNodes(codec.struct, v as Record<string, unknown>) };
    case 'message': {
      const m = v as Record<string, unknown>;
      const inner: Ctx = { schema: ctx.schema, header: m };
      return { label, kernel, value: `(${codec.struct.name})`, children: [...structNodes(codec.struct, m), ...attrNodes(inner, codec.set, m.attrs)] };
    }
    case 'multipath':
      return {
        label, kernel,
        children: (v as Record<string, unknown>[]).map((hop, i) => ({
          label: `[${i}]`, value: `(${codec.struct.name})`,
          children: [...structNodes(codec.struct, hop), ...attrNodes({ schema: ctx.schema, header: ctx.header }, codec.set, hop.attrs)],
        })),
      };
    case 'select': {
      const sel = codec.by.startsWith('#') ? ctx.header[codec.by.slice(1)] : siblings[codec.by];
      const chosen = (sel !== undefined ? codec.cases[String(sel)] : undefined) ?? codec.default;
      if (!chosen) return Buffer.isBuffer(v) ? bytesNode(label, kernel, v, `, no table for ${codec.by} ${String(sel)}`) : { label, kernel, value: scalar(v) };
      return valueNode(ctx, label, kernel, chosen, v, siblings);
    }
    case 'array': {
      const arr = v as (number | bigint)[];
      return { label, kernel, value: `[${arr.map(String).join(', ')}]` };
    }
    case 'via': {
      const via = v as { family: number; address: string };
      return { label, kernel, value: `${scalar(via.family, { family: true })} ${via.address}` };
    }
    case 'binary':
      return Buffer.isBuffer(v) ? bytesNode(label, kernel, v) : { label, kernel, value: scalar(v) };
    case 'ip':
    case 'mac':
      return { label, kernel, value: typeof v === 'string' ? (v === '' ? '(empty)' : v) : scalar(v) };
    default: {
      const enumDef = 'enum' in codec ? codec.enum : undefined;
      return { label, kernel, value: scalar(v, { enumDef, flags: kernel ? FLAGS[kernel] : undefined }) };
    }
  }
}

/** camelCase -> the kernel's ext-ack constant ('missType' -> 'NLMSGERR_ATTR_MISS_TYPE'). */
function extAckKernel(name: string): string {
  return `NLMSGERR_ATTR_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function extAckNodes(extAck: Readonly<Record<string, unknown>>): TreeNode[] {
  return Object.entries(extAck).map(([k, v]) => (Buffer.isBuffer(v) ? bytesNode(k, extAckKernel(k), v) : { label: k, kernel: extAckKernel(k), value: scalar(v) }));
}

/** The header line's words: `RTM_NEWLINK (16)` and `len 1124, flags MULTI (0x2), seq 7, pid 0`. */
export function headerText(h: NlMsgHeader, typeName: string, flagNames: readonly string[]): { title: string; detail: string } {
  const title = /^\d+$/.test(typeName) ? `type ${h.type} (unknown)` : `${typeName} (${h.type})`;
  const flags = h.flags === 0 ? '0' : `${flagNames.join('|')} (0x${h.flags.toString(16)})`;
  return { title, detail: `len ${h.len}, flags ${flags}, seq ${h.seq}, pid ${h.pid}` };
}

/** The payload of a decoded message as tree nodes (the header is the caller's line). */
export function payloadNodes(m: DecodedMessage, registry: Registry): TreeNode[] {
  switch (m.typeName) {
    case 'NLMSG_ERROR': return errorNodes(m.decoded as ErrorMessage, registry);
    case 'NLMSG_DONE': {
      const d = m.decoded as DoneMessage;
      const status: TreeNode = { label: 'status', value: d.error === 0 ? '0 (dump complete)' : `-${d.error} ${errnoName(d.error)} (${errnoMessage(d.error)})` };
      return [status, ...extAckNodes(d.extAck as Record<string, unknown>)];
    }
    case 'NLMSG_NOOP': return [];
    default: break;
  }
  const entry = registry.lookup(m.type);
  const schema = entry ? SCHEMAS.get(entry.family) : undefined;
  if (!entry || !schema) {
    return Buffer.isBuffer(m.decoded) ? [bytesNode('payload', undefined, m.decoded, ', message type not known')] : [{ label: 'payload', value: scalar(m.decoded) }];
  }
  const body = m.decoded as Record<string, unknown>;
  const ctx: Ctx = { schema, header: body };
  return [
    { label: entry.family.header.name, children: structNodes(entry.family.header, body) },
    ...attrNodes(ctx, entry.family.set, body.attrs),
  ];
}

function errorNodes(e: ErrorMessage, registry: Registry): TreeNode[] {
  const out: TreeNode[] = [];
  out.push({ label: 'error', value: e.error === 0 ? '0 (ACK: success)' : `-${e.error} ${errnoName(e.error)} (${errnoMessage(e.error)})` });
  const req = registry.lookup(e.request.type);
  const reqName = req?.typeName ?? String(e.request.type);
  const { title, detail } = headerText(e.request, reqName, nlmsgFlagNames(e.request.flags, req?.op));
  const children: TreeNode[] = [{ label: 'header', value: detail }];
  if (e.requestPayload) {
    try {
      if (req && SCHEMAS.has(req.family)) {
        const decoded = req.family.decode(e.requestPayload);
        children.push(...payloadNodes({ ...e.request, typeName: reqName, flagNames: [], family: req.family.name, op: req.op, decoded }, registry));
      } else {
        children.push(bytesNode('payload', undefined, e.requestPayload));
      }
    } catch (err) {
      children.push({ label: `cannot decode the echoed request: ${(err as Error).message}`, problem: true }, bytesNode('payload', undefined, e.requestPayload));
    }
  }
  out.push({ label: 'request', value: title, children });
  const ext = extAckNodes(e.extAck as Record<string, unknown>);
  if (ext.length > 0) out.push({ label: 'ext-ack', children: ext });
  return out;
}
