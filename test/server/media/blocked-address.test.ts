import { describe, expect, it } from "vitest";
import { isBlockedAddress } from "../../../src/server/media/index.js";

describe("isBlockedAddress", () => {
  it("blocks loopback, private, link-local, CGNAT, multicast, reserved and unspecified addresses", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1"]) {
      expect(isBlockedAddress(a), a).toBe(true);
    }
  });
  it("judges IPv4 carried in IPv6 (mapped, NAT64, 6to4) as the IPv4 address it reaches", () => {
    for (const a of ["::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:7f00:1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"]) {
      expect(isBlockedAddress(a), a).toBe(true);
    }
    expect(isBlockedAddress("::ffff:8.8.8.8")).toBe(false);
  });
  it("lets public addresses through, and blocks what is no address", () => {
    for (const a of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"]) {
      expect(isBlockedAddress(a), a).toBe(false);
    }
    expect(isBlockedAddress("localhost")).toBe(true);
  });
});
