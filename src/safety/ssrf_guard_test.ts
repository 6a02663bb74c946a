import assert from "node:assert/strict";
import {
  type AllowEntry,
  checkWebhookUrl,
  forbiddenRange,
  parseAllowEntry,
  type ResolveHost,
} from "./ssrf_guard.ts";

const noDns: ResolveHost = () => Promise.reject(new Error("no DNS in this test"));

function allow(...entries: string[]): AllowEntry[] {
  return entries.map((e) => {
    const parsed = parseAllowEntry(e);
    if (typeof parsed === "string") throw new Error(parsed);
    return parsed;
  });
}

Deno.test("forbiddenRange names every internal range, in IPv4, IPv6 and IPv4-in-IPv6 forms, and passes public addresses", () => {
  const cases: [string, string | null][] = [
    ["169.254.169.254", "cloud-metadata"],
    ["fd00:ec2::254", "cloud-metadata"],
    ["10.1.2.3", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["::1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["100.64.0.1", "CGNAT (shared address space)"],
    ["169.254.1.1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "private (unique local)"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "reserved (incl. broadcast)"],
    ["::ffff:127.0.0.1", "loopback (IPv4-mapped)"],
    ["::ffff:7f00:1", "loopback (IPv4-mapped)"],
    ["::ffff:a9fe:a9fe", "cloud-metadata (IPv4-mapped)"],
    ["64:ff9b::10.0.0.1", "private (NAT64)"],
    ["2002:7f00:1::", "loopback (6to4)"],
    ["8.8.8.8", null],
    ["172.32.0.1", null],
    ["2606:4700::1111", null],
    ["::ffff:8.8.8.8", null],
  ];
  for (const [address, expected] of cases) assert.equal(forbiddenRange(address), expected, address);
});

Deno.test("checkWebhookUrl refuses internal targets with an error naming url, and admits what webhookAllow lists", async () => {
  const refuse = async (url: string, pattern: RegExp, options = { allow: allow(), resolve: noDns }) => {
    await assert.rejects(checkWebhookUrl(url, options), (err: Error & { details?: unknown }) => {
      assert.match(err.message, /^Invalid input: url: /);
      assert.match(err.message, pattern);
      return true;
    });
  };
  await refuse("http://169.254.169.254/latest/meta-data", /is a cloud-metadata address/);
  await refuse("http://10.0.0.5:8080/hook", /is a private address/);
  await refuse("http://[::1]:9000/hook", /is a loopback address/);
  await refuse("http://[::ffff:127.0.0.1]/", /loopback \(IPv4-mapped\)/);
  await refuse("http://2130706433/", /"127\.0\.0\.1" is a loopback/); // decimal form, normalised by URL
  await refuse("http://0x7f.1/", /loopback/);
  await refuse("ftp://example.com/", /scheme must be http or https/);
  await refuse("not a url", /must be an absolute http/);
  await refuse("http://user:pw@example.com/", /user name or password/);
  await refuse("https://nowhere.invalid/", /cannot resolve host/);
  const toLoopback = (host: string) =>
    Promise.resolve(host === "rebind.example" ? ["127.0.0.1"] : ["8.8.8.8"]);
  await refuse(
    "https://rebind.example/hook",
    /"rebind\.example" resolves to 127\.0\.0\.1, a loopback address/,
    {
      allow: allow("127.0.0.1:9"),
      resolve: toLoopback,
    },
  );

  const ok = await checkWebhookUrl("https://hooks.example/x", { allow: allow(), resolve: toLoopback });
  assert.deepEqual(ok.addresses, ["8.8.8.8"]);
  await checkWebhookUrl("http://127.0.0.1:8123/x", { allow: allow("127.0.0.1:8123"), resolve: noDns });
  await refuse("http://127.0.0.1:8124/x", /loopback/, { allow: allow("127.0.0.1:8123"), resolve: noDns });
  await checkWebhookUrl("http://10.20.3.4/x", { allow: allow("10.20.0.0/16"), resolve: noDns });
  await checkWebhookUrl("http://hooks.internal:8443/x", {
    allow: allow("hooks.internal:8443"),
    resolve: noDns,
  });
  await checkWebhookUrl("http://[fd12::5]:80/x", { allow: allow("fd12::/48"), resolve: noDns });
  await checkWebhookUrl("https://rebind.example/", { allow: allow("127.0.0.1"), resolve: toLoopback });
});

Deno.test("parseAllowEntry accepts host, host:port, [v6]:port and CIDR, and says what is wrong otherwise", () => {
  assert.deepEqual(parseAllowEntry("127.0.0.1:8080"), { kind: "host", host: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseAllowEntry("Hooks.Internal"), { kind: "host", host: "hooks.internal", port: null });
  assert.deepEqual(parseAllowEntry("[::1]:9"), { kind: "host", host: "::1", port: 9 });
  assert.equal((parseAllowEntry("10.0.0.0/8") as { kind: string }).kind, "cidr");
  assert.match(parseAllowEntry("10.0.0.0/40") as string, /not a CIDR range/);
  assert.match(parseAllowEntry("bad host!") as string, /not host, host:port/);
  assert.match(parseAllowEntry("x:70000") as string, /port outside/);
});
