/** The words of `nldb --help` and of each command's `--help`. */

export const EXIT_CODES = `Exit status:
  0    success
  1    failure: the kernel refused (its errno name and its own message are shown), a system
       call failed, a file could not be read, or input could not be decoded in full
  2    usage error: unknown command or option, a missing or extra argument
  3    apply failed and undoing it failed too: the state is partly changed
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)`;

const COMMON = `Common options:
  -h, --help          show this help
  --color WHEN        colour the output: auto (default: on a terminal, unless NO_COLOR is set),
                      always, never
  --no-color          the same as --color never`;

export const MAIN_HELP = `nldb: a live, transactional database of the machine's network state, over netlink

Usage: nldb <command> [arguments] [options]

Commands:
  show [WHAT]          interfaces, addresses, routes, rules or neighbours, as tables or JSON
  monitor              changes as they happen, each with its before and after
  decode [FILE|-]      decode netlink messages from strace output, an escaped string or hex
  apply FILE           make the kernel match a desired state (JSON or YAML), in one transaction
  netns list|add|del   list, create or delete named network namespaces
  history              the changes a store file recorded: who changed what, and when
  checkpoint           save|list|diff|restore|delete named states in a store file

Options:
  -h, --help           this help ('nldb <command> --help' for a command's own)
  --version            print nldb's version
  --color WHEN         auto (default), always, never; NO_COLOR=1 turns colour off
  --no-color           the same as --color never

${EXIT_CODES}
`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  show: `Usage: nldb show [interfaces|addresses|routes|rules|neighbours] [--netns NAME] [--json]

Shows the network state: every kind of object, or one. People get aligned tables (coloured on a
terminal); programs get --json: exactly the database's snapshot() (an object with one array per
kind), or with WHAT that one array.

Options:
  -n, --netns NAME    look inside the named network namespace (default: this process's)
  -j, --json          JSON instead of tables

${COMMON}

${EXIT_CODES}
`,
  monitor: `Usage: nldb monitor [--netns NAME] [--json]

Prints every change as it happens, like 'ip monitor' but as what changed: '+' an object
appeared, '-' it went, '~' it changed, with its fields before and after. Changes found by a
resynchronisation (after the kernel dropped events) are marked 'resync'. Stop with Ctrl-C.

Options:
  -n, --netns NAME    watch the named network namespace
  -j, --json          one JSON object per line: { op, kind, key, before, after, origin, fields, reason }

${COMMON}

${EXIT_CODES}
`,
  decode: `Usage: nldb decode [FILE|-] [--json] [--protocol route|generic] [--format FORMAT]

Decodes netlink messages and prints each as a tree: the header (type and flags by name), then
every field and attribute with its friendly name beside the kernel's (ifname (IFLA_IFNAME)).
Reads FILE, or standard input when FILE is '-' or absent. Several messages per input are fine.
Accepted input (recognised by looking, or named with --format):
  strace     strace output, e.g. 'strace -f -x -s 65535 -e trace=network ip -n NS link show'
             (with '-e read=all -e write=all' the exact hex dumps are used)
  hexdump    strace's hex dump lines alone: ' | 00000  1c 00 00 00 ...  |....|'
  string     C strings as strace prints them: "\\x1c\\x00\\x00\\x00\\x10\\x00...", one datagram per
             string (or per line, without quotes); \\x, octal and \\n-style escapes
  hex        plain hex, spaces and newlines ignored; a blank line starts another datagram
Input that is truncated, malformed or of an unknown type is shown as such ('!' lines), with its
bytes.

Options:
  -j, --json          the decoded messages as JSON (bigints and byte strings as strings)
  -p, --protocol P    the netlink protocol when the input does not say: route (default), generic
  -f, --format F      strace, hexdump, string or hex (default: recognised from the input)

${COMMON}

Exit status: 0 when every message decoded in full; 1 when some input could not be (truncated,
malformed: it is still shown) or nothing decodable was found; 2 on a usage error.
`,
  apply: `Usage: nldb apply FILE [--netns NAME] [--dry-run] [--json]

Makes the kernel match the desired state in FILE (JSON or YAML, '-' for standard input):
  interfaces: [{ ifname, kind, state: up|down, mtu, master, addresses: ['10.0.0.1/24', ...],
                promisc, allmulticast, arp, multicast, dynamic: true|false }]
              or keyed by name: { br0: { kind: bridge, state: up }, v0: { mtu: 1400 } }
  routes:     [{ dst, gateway, oif, table, priority, ... }]
  rules:      [{ priority, src, dst, table, action, ... }]
  neighbours: [{ ifname, dst, lladdr, ... }]
as one transaction. Objects the file does not mention are left alone; 'present: false' asks
for one to be gone (an address too: addresses: [{ address: 10.0.0.9/24, present: false }]).
A link's kind, lower device and kind options are set when it is made: a file that says other
ones for a link that exists is refused. --dry-run prints the review (what would be created, changed, deleted) and
changes nothing. If the kernel refuses any step, everything already done is undone, and nldb
exits 1 with the kernel's message.

Options:
  -n, --netns NAME    apply inside the named network namespace
  --dry-run           print the plan, change nothing
  -j, --json          print the plan as JSON; a failure as a JSON object too (error,
                      message; for a refused step: failed, errno, kernelMessage, rolledBack,
                      rollbackErrors), beside the one line on standard error

${COMMON}

${EXIT_CODES}
`,
  netns: `Usage: nldb netns list [--json]
       nldb netns add NAME
       nldb netns del NAME

Lists, creates or deletes named network namespaces (the files under /run/netns that
'ip netns' uses too). Creating and deleting need root.

Options:
  -j, --json          (list) a JSON array of names

${COMMON}

${EXIT_CODES}
`,
  history: `Usage: nldb history --store FILE [--netns NAME] [--since T] [--until T] [--kind K]
                    [--key KEY] [--origin O] [--txid ID] [--limit N] [--json]

Lists the changes recorded in a store file (a program's IPDB.open({ store: FILE }), or
'nldb checkpoint save'), oldest first, one per line as 'nldb monitor' shows them: '+' appeared,
'-' went, '~' changed (the fields, before → after). Changes our own transactions made are marked
[commit] with the transaction's id, those a resynchronisation found [resync]. Reads the file
only: no namespace is opened and nothing is written.

Times T: an age ('30s', '10m', '2h', '1d' ago), an ISO date and time ('2024-05-01T12:00:00Z'),
or milliseconds since the epoch.

Options:
  -s, --store FILE    the store file (required)
  -n, --netns NAME    the namespace whose history to show (default: the one recorded as 'default',
                      a program's own namespace)
  --since T           changes at or after T
  --until T           changes at or before T
  -k, --kind K        interface, address, route, rule or neighbour (comma-separated for several)
  --key KEY           one object, by its identity key (as in db.changes$)
  --origin O          kernel, resync or commit
  --txid ID           the changes one transaction made
  --limit N           the newest N changes only
  -j, --json          a JSON array of the changes, each with time, origin, txid, before and after

${COMMON}

${EXIT_CODES}
`,
  checkpoint: `Usage: nldb checkpoint save NAME --store FILE [--netns NAME] [--replace]
       nldb checkpoint list --store FILE [--netns NAME] [--all] [--json]
       nldb checkpoint diff NAME [OTHER] --store FILE [--netns NAME] [--json]
       nldb checkpoint restore NAME --store FILE [--netns NAME] [--dry-run] [--json]
       nldb checkpoint delete NAME --store FILE [--netns NAME]

Named states of a namespace, kept in a store file (SQLite; created by 'save' if missing):
  save      records the namespace's state now under NAME (--replace overwrites one of that name)
  list      the checkpoints, oldest first (--all: the store's own baselines too)
  diff      what differs from checkpoint NAME to OTHER (another checkpoint), or to the namespace
            now: '+' only in the second, '-' only in the first, '~' changed (before → after)
  restore   brings the namespace back to NAME in one transaction: links, addresses, routes,
            rules and permanent neighbours are created, changed and deleted as needed; what the
            kernel makes by itself (IPv6 link-local addresses, proto kernel routes) is left to it.
            The review (each operation and its undo) is printed; if the kernel refuses any step,
            everything already done is undone and nldb exits 1. --dry-run prints the review only.
  delete    forgets checkpoint NAME

Options:
  -s, --store FILE    the store file (required)
  -n, --netns NAME    the namespace (default: this process's, recorded as 'default')
  --replace           (save) overwrite a checkpoint of the same name
  -a, --all           (list) include the store's automatic baselines
  --dry-run           (restore) print the plan, change nothing
  -j, --json          JSON output: the checkpoint, the list, the diff, or the operations

${COMMON}

${EXIT_CODES}
`,
};
