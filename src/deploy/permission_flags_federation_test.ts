import assert from "node:assert/strict";
import { resolveConfig } from "../core/config.ts";
import { federationCliPaths, permissionFlags } from "./permission_flags.ts";

const flag = (flags: string[], name: string) =>
  flags.find((f) => f.startsWith(`--allow-${name}=`))?.split("=")[1]?.split(",") ?? [];

Deno.test("permission flags: serve and mcp may listen on federation.listen, reach each peer and read the identity files", () => {
  const config = resolveConfig({
    file: {
      federation: {
        cert: "/etc/aim/node.crt",
        key: "/etc/aim/node.key",
        ca: "/etc/aim/ca.crt",
        listen: { host: "10.0.0.1", port: 9078 },
        peers: [
          { url: "https://10.0.0.2:9078", fingerprint: "ab".repeat(32) },
          { url: "https://node3.example", fingerprint: "cd".repeat(32) },
        ],
      },
    },
  });
  for (const surface of ["serve", "mcp"] as const) {
    const flags = permissionFlags(config, { surface });
    assert.deepEqual(
      flag(flags, "net").filter((h) => h !== "127.0.0.1:9077"),
      ["10.0.0.1:9078", "10.0.0.2:9078", "node3.example:443"],
    );
    for (const f of ["/etc/aim/node.crt", "/etc/aim/node.key", "/etc/aim/ca.crt"]) {
      assert.ok(flag(flags, "read").includes(f));
    }
    assert.ok(!flag(flags, "write").some((w) => w.startsWith("/etc/aim")));
  }
  const cli = permissionFlags(config, { surface: "cli" });
  assert.deepEqual(flag(cli, "net"), []);
  assert.ok(!flag(cli, "read").includes("/etc/aim/node.key"));
});

Deno.test("permission flags: federation init may write its --dir and read the CA files; other commands get nothing extra", () => {
  const init = federationCliPaths([
    "federation",
    "init",
    "--dir",
    "/srv/id",
    "--ca-cert",
    "/ca/c.crt",
    "--ca-key=/ca/c.key",
  ]);
  assert.deepEqual(init, { read: ["/srv/id", "/ca/c.crt", "/ca/c.key"], write: ["/srv/id"] });
  assert.deepEqual(federationCliPaths(["federation", "fingerprint", "--cert", "/srv/id/node.crt"]), {
    read: ["/srv/id/node.crt"],
    write: [],
  });
  assert.deepEqual(federationCliPaths(["store", "--dir", "/x"]), { read: [], write: [] });
  const flags = permissionFlags(resolveConfig({}), { surface: "cli", extra: init });
  assert.ok(flag(flags, "write").includes("/srv/id"));
});
