import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Networks a media URL must not reach unless the operator allows private addresses: loopback,
 * RFC 1918, link-local (the cloud metadata service at 169.254.169.254 among them), CGNAT, the
 * documentation, benchmark, reserved and multicast ranges, unique-local and link-local IPv6, and
 * the IPv6 transition prefixes that embed an IPv4 destination (6to4, NAT64, Teredo).
 */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  BLOCKED.addSubnet(net, bits, "ipv6");
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d` or `::ffff:XXXX:XXXX`). */
function mappedIPv4(address: string): string | undefined {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!m) return undefined;
  const tail = m[1] as string;
  if (isIPv4(tail)) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return undefined;
  const hi = parseInt(hex[1] as string, 16);
  const lo = parseInt(hex[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * Whether a resolved address is private, loopback, link-local or otherwise not a public internet
 * destination. An IPv4-mapped IPv6 address is judged as the IPv4 address it carries; anything
 * that is not an IP address is blocked.
 */
export function isBlockedAddress(address: string): boolean {
  if (isIPv4(address)) return BLOCKED.check(address, "ipv4");
  if (!isIPv6(address)) return true;
  const v4 = mappedIPv4(address);
  if (v4 !== undefined) return BLOCKED.check(v4, "ipv4");
  return BLOCKED.check(address, "ipv6");
}
