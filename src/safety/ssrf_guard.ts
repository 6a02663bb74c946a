// The SSRF guard of webhook URLs: http(s) only, and no loopback, private, link-local, CGNAT,
// multicast, unspecified, reserved or cloud-metadata address (IPv4, IPv6 and IPv4 embedded in
// IPv6) unless the operator's `webhookAllow` lists the host or a range holding the address.
import { invalidInput } from "../core/errors.ts";
import { addressBytes, type AllowEntry, inRange, parseAllowEntry } from "../core/ip_address.ts";

export { type AllowEntry, parseAllowEntry } from "../core/ip_address.ts";

/** Resolves a host name to its addresses (node:dns `lookup`, which reads /etc/hosts too). */
export type ResolveHost = (host: string) => Promise<string[]>;

interface Range {
  bytes: number[];
  prefix: number;
  what: string;
}

function range(cidr: string, what: string): Range {
  const [net, prefix] = cidr.split("/");
  return { bytes: addressBytes(net!)!, prefix: Number(prefix), what };
}

// Most specific first: the first match names the range in the error.
const V4_RANGES: Range[] = [
  range("169.254.169.254/32", "cloud-metadata"),
  range("100.100.100.200/32", "cloud-metadata"),
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "CGNAT (shared address space)"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "reserved (IETF protocol assignments)"),
  range("192.0.2.0/24", "reserved (documentation)"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "reserved (benchmarking)"),
  range("198.51.100.0/24", "reserved (documentation)"),
  range("203.0.113.0/24", "reserved (documentation)"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved (incl. broadcast)"),
];

const V6_RANGES: Range[] = [
  range("fd00:ec2::254/128", "cloud-metadata"),
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("100::/64", "reserved (discard)"),
  range("2001:db8::/32", "reserved (documentation)"),
  range("fc00::/7", "private (unique local)"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "private (site-local)"),
  range("ff00::/8", "multicast"),
];

// IPv6 forms that carry an IPv4 address, which is then judged as IPv4: mapped, compatible, NAT64.
const V4_IN_V6: Range[] = [
  range("::ffff:0:0/96", "IPv4-mapped"),
  range("::/96", "IPv4-compatible"),
  range("64:ff9b::/96", "NAT64"),
];

/** Why `address` must not be reached ("loopback", "private", ...), or null for a public address. */
export function forbiddenRange(address: string): string | null {
  const bytes = addressBytes(address);
  if (!bytes) return "unparsable";
  if (bytes.length === 4) return V4_RANGES.find((r) => inRange(bytes, r))?.what ?? null;
  for (const r of V4_IN_V6) {
    if (inRange(bytes, r) && !bytes.slice(0, 15).every((b) => b === 0)) {
      const inner = forbiddenRange(bytes.slice(12).join("."));
      return inner ? `${inner} (${r.what})` : null;
    }
  }
  // 6to4 embeds the IPv4 address in bits 16-47.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    const inner = forbiddenRange(bytes.slice(2, 6).join("."));
    if (inner) return `${inner} (6to4)`;
  }
  return V6_RANGES.find((r) => inRange(bytes, r))?.what ?? null;
}

/** The parsed allowlist of a validated configuration. */
export function allowList(entries: readonly string[]): AllowEntry[] {
  return entries.map(parseAllowEntry).filter((e): e is AllowEntry => typeof e !== "string");
}

function hostAllowed(allow: readonly AllowEntry[], host: string, port: number): boolean {
  return allow.some((e) => e.kind === "host" && e.host === host && (e.port === null || e.port === port));
}

function addressAllowed(allow: readonly AllowEntry[], address: string, port: number): boolean {
  const bytes = addressBytes(address);
  if (!bytes) return false;
  return allow.some((e) =>
    e.kind === "cidr" ? inRange(bytes, e) : addressBytes(e.host)?.join(".") === bytes.join(".") &&
      (e.port === null || e.port === port)
  );
}

function urlIssue(message: string) {
  return invalidInput([{ field: "url", message }]);
}

/**
 * Check a webhook URL: at subscription and again before every delivery (after resolving the host,
 * so a name re-pointed at an internal address since is caught).
 * @throws {MemoryError} invalid_input naming the field `url` and the reason
 */
export async function checkWebhookUrl(
  raw: string,
  options: { allow: readonly AllowEntry[]; resolve: ResolveHost },
): Promise<{ url: URL; host: string; port: number; addresses: string[] }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw urlIssue("must be an absolute http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw urlIssue(`scheme must be http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  if (url.username || url.password) throw urlIssue("must not carry a user name or password");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  if (hostAllowed(options.allow, host, port)) return { url, host, port, addresses: [] };
  let addresses: string[];
  if (addressBytes(host)) {
    addresses = [host];
  } else {
    let why = "no address found";
    try {
      addresses = await options.resolve(host);
    } catch (err) {
      addresses = [];
      if (err instanceof Deno.errors.NotCapable) {
        why = "this process's permissions do not allow looking it up (list it in config webhookAllow)";
      }
    }
    if (addresses.length === 0) {
      throw urlIssue(`cannot resolve host "${host}": ${why}; the check fails closed`);
    }
  }
  for (const address of addresses) {
    const forbidden = forbiddenRange(address);
    if (forbidden && !addressAllowed(options.allow, address, port)) {
      const how = address === host ? "is" : `resolves to ${address},`;
      throw urlIssue(
        `host "${host}" ${how} a ${forbidden} address; webhooks may not reach loopback, private, ` +
          "link-local, CGNAT, multicast, reserved or cloud-metadata addresses unless config webhookAllow lists it",
      );
    }
  }
  return { url, host, port, addresses };
}
