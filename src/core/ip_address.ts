// IP addresses as bytes, CIDR membership, and the entries of the webhook allowlist (`webhookAllow`):
// pure parsing shared by the configuration and the SSRF guard.
import { isIP } from "node:net";

function v4(text: string): number[] {
  return text.split(".").map(Number);
}

/** IPv6 text (no zone) to 16 bytes; an IPv4 tail is allowed. */
function v6(text: string): number[] {
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    tail.push(...v4(text.slice(lastColon + 1)));
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(":").filter((g) => g !== "") : []);
  const l = groups(left);
  const r = groups(right);
  const fill = right === undefined ? [] : Array(8 - l.length - r.length).fill("0");
  const words = [...l, ...fill, ...r].map((g) => parseInt(g, 16));
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The address as bytes (4 or 16), or null when it is not an IP address. */
export function addressBytes(address: string): number[] | null {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return v4(bare);
  if (family === 6) return v6(bare);
  return null;
}

/** True when `bytes` lies in the range (both of the same family). */
export function inRange(bytes: number[], r: { bytes: number[]; prefix: number }): boolean {
  if (bytes.length !== r.bytes.length) return false;
  for (let bit = 0; bit < r.prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((bytes[i]! & mask) !== (r.bytes[i]! & mask)) return false;
  }
  return true;
}

/** One entry of `webhookAllow`: a host (name or address) with an optional port, or a CIDR range. */
export type AllowEntry =
  | { kind: "host"; host: string; port: number | null }
  | { kind: "cidr"; bytes: number[]; prefix: number };

/** Parse an allowlist entry; returns an error message instead when it is not one. */
export function parseAllowEntry(entry: string): AllowEntry | string {
  const text = entry.trim().toLowerCase();
  if (text.includes("://")) return `"${entry}" is a URL; give host, host:port or a CIDR range`;
  if (text.includes("/")) {
    const [net, prefixText] = text.split("/");
    const bytes = addressBytes(net!);
    const prefix = Number(prefixText);
    if (!bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) {
      return `"${entry}" is not a CIDR range (e.g. 10.20.0.0/16 or fd12::/48)`;
    }
    return { kind: "cidr", bytes, prefix };
  }
  if (isIP(text) === 6) return { kind: "host", host: text, port: null };
  const match = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(text) ??
    /^([a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match || (text.startsWith("[") && isIP(match[1]!) !== 6)) {
    return `"${entry}" is not host, host:port, [IPv6]:port or a CIDR range`;
  }
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65535)) return `"${entry}" has a port outside 1-65535`;
  return { kind: "host", host: match[1]!, port };
}
