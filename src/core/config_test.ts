import assert from "node:assert/strict";
import { redactConfig, resolveConfig } from "./config.ts";

Deno.test("resolveConfig() layers defaults < file < environment < flags", () => {
  const config = resolveConfig({
    file: { port: 1000, host: "127.0.0.2", dataDir: "from-file" },
    env: { AI_MEMORY_PORT: "2000", AI_MEMORY_AGENT_ID: "env-agent" },
    flags: { port: 3000, db: undefined },
  });
  assert.equal(config.port, 3000);
  assert.equal(config.host, "127.0.0.2");
  assert.equal(config.agentId, "env-agent");
  assert.equal(config.db, "from-file/ai-memory.db");
  assert.equal(resolveConfig({}).db, "data/ai-memory.db");
});

Deno.test("resolveConfig() refuses an invalid value and redactConfig() hides the key", () => {
  assert.throws(() => resolveConfig({ env: { AI_MEMORY_PORT: "99999" } }));
  const shown = redactConfig(resolveConfig({ env: { AI_MEMORY_DB_PASSPHRASE: "s3cret" } }));
  assert.equal(JSON.stringify(shown).includes("s3cret"), false);
});

Deno.test("federation config: fingerprints normalised, duplicates and a quorum above 1 + peers refused naming the field", () => {
  const fp = "AB:".repeat(31) + "AB";
  const base = { cert: "n/node.crt", key: "n/node.key" };
  const config = resolveConfig({
    file: { federation: { ...base, peers: [{ url: "https://10.0.0.2:9078/", fingerprint: fp }], quorum: 2 } },
  });
  assert.equal(config.federation?.peers[0]?.fingerprint, "ab".repeat(32));
  assert.equal(config.federation?.peers[0]?.url, "https://10.0.0.2:9078");
  assert.deepEqual(config.federation?.listen, { host: "127.0.0.1", port: 9078 });
  assert.equal(config.federation?.clockSkewMs, 30_000);
  const issues = (federation: unknown) => {
    try {
      resolveConfig({ file: { federation } });
    } catch (err) {
      return (err as { issues: { path: (string | number)[]; message: string }[] }).issues
        .map((i) => `${i.path.join(".")}: ${i.message}`);
    }
    return [];
  };
  const other = "cd".repeat(32);
  assert.deepEqual(
    issues({
      ...base,
      peers: [{ url: "https://a:1", fingerprint: fp }, { url: "https://a:1", fingerprint: other }],
    }),
    [
      "federation.peers.1.url: duplicates peers.0.url; each peer must be listed once",
    ],
  );
  assert.deepEqual(
    issues({
      ...base,
      peers: [{ url: "https://a:1", fingerprint: fp }, { url: "https://b:1", fingerprint: fp.toLowerCase() }],
    }),
    [
      "federation.peers.1.fingerprint: duplicates a fingerprint of peers.0; each peer must be listed once",
    ],
  );
  assert.deepEqual(issues({ ...base, peers: [{ url: "https://a:1", fingerprint: fp }], quorum: 3 }), [
    "federation.quorum: must be at most 2 (this node + 1 peers)",
  ]);
  assert.match(
    issues({ ...base, peers: [{ url: "https://a:1", fingerprint: "abc" }] })[0]!,
    /peers\.0\.fingerprint: .*64 hex/,
  );
  assert.match(
    issues({ ...base, peers: [{ url: "http://a:1", fingerprint: fp }] })[0]!,
    /peers\.0\.url: must be an https URL/,
  );
  assert.match(issues({ ...base, pageSize: 10_001 })[0]!, /^federation\.pageSize: /);
  // config show prints the key's path, which is not a secret; the key itself is never in the config.
  assert.equal(redactConfig(config).federation, config.federation);
});
