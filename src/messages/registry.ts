/**
 * Which codec serves which nlmsg type, for one netlink protocol. An explicit object, not a
 * global: code that wants another family (a user-defined one, like pyroute2's register_policy,
 * or a generic netlink family once its id is resolved) registers it on its own registry.
 */
import type { MessageFamily } from './core/message.js';
import { GENL_ID_CTRL } from './genl/genl.js';
import { nlctrl } from './genl/nlctrl.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from './nlmsg.js';
import { rtnl } from './rtnl/schema.js';

export interface RegistryEntry {
  readonly family: MessageFamily<any, any>;
  /** The operation key in family.types ('new', 'del', 'get', ...). */
  readonly op: string;
  /** The kernel's name for the type ('RTM_NEWROUTE'), or the family name and op. */
  readonly typeName: string;
}

export class Registry {
  readonly protocol: number;
  readonly #byType = new Map<number, RegistryEntry>();

  constructor(opts: { protocol?: number } = {}) {
    this.protocol = opts.protocol ?? NETLINK_ROUTE;
  }

  /** A NETLINK_ROUTE registry with rtnl.link, addr, route, rule and neigh. */
  static rtnetlink(): Registry {
    const r = new Registry({ protocol: NETLINK_ROUTE });
    for (const f of [rtnl.link, rtnl.addr, rtnl.route, rtnl.rule, rtnl.neigh]) r.register(f);
    return r;
  }

  /** A NETLINK_GENERIC registry with nlctrl (GENL_ID_CTRL); register other families once resolved. */
  static generic(): Registry {
    const r = new Registry({ protocol: NETLINK_GENERIC });
    r.register(nlctrl, { ctrl: GENL_ID_CTRL });
    return r;
  }

  /**
   * Registers a family for its message types (or for `types`, e.g. a generic netlink family's
   * resolved id: `{ family: 0x1c }`). A type already taken by another family is an error.
   */
  register(family: MessageFamily<any, any>, types: Readonly<Record<string, number>> = family.types): this {
    for (const [op, type] of Object.entries(types)) {
      if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new RangeError(`${family.name}.${op}: bad nlmsg type ${type}`);
      const had = this.#byType.get(type);
      if (had && had.family !== family) throw new Error(`nlmsg type ${type} already registered for ${had.family.name}`);
      this.#byType.set(type, { family, op, typeName: family.typeNames[type] ?? `${family.name}.${op}` });
    }
    return this;
  }

  /** Forgets every type served by `family`. */
  unregister(family: MessageFamily<any, any>): this {
    for (const [t, e] of this.#byType) if (e.family === family) this.#byType.delete(t);
    return this;
  }

  lookup(type: number): RegistryEntry | undefined {
    return this.#byType.get(type);
  }

  /** Every registered nlmsg type, ascending. */
  types(): number[] {
    return [...this.#byType.keys()].sort((a, b) => a - b);
  }
}
