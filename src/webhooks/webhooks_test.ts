import assert from "node:assert/strict";
import { CATALOG } from "../ops/catalog.ts";
import { resolveConfig } from "../core/config.ts";
import { permissionFlags } from "../deploy/permission_flags.ts";
import { backoffDelay } from "./dispatcher.ts";
import { WEBHOOK_EVENTS } from "./events.ts";
import { secretHash, signBody, verifySignature } from "./signature.ts";

Deno.test("every webhook event is a catalog operation that writes, and every writing operation has an event", () => {
  const names = CATALOG.map((op) => op.name);
  for (const event of WEBHOOK_EVENTS) assert.ok(names.includes(event), event);
  const writers = CATALOG.filter((op) => !op.annotations.readOnlyHint).map((op) => op.name);
  // Backup and export write files, not the database; recall's touches are not events; subscribing
  // changes only the subscriptions themselves; reading an inbox only marks it read.
  const notEvents = [
    "memory_backup",
    "memory_export",
    "memory_inbox",
    "memory_recall",
    "memory_subscribe",
    "memory_unsubscribe",
  ];
  assert.deepEqual(writers.filter((n) => !notEvents.includes(n)).sort(), [...WEBHOOK_EVENTS].sort());
});

Deno.test("the launcher grants the servers outbound access to the allowlisted hosts only, and the CLI none", () => {
  const config = resolveConfig({
    file: { webhookAllow: ["127.0.0.1:8123", "Hooks.Internal:443", "10.0.0.0/8"] },
  });
  assert.ok(
    permissionFlags(config, { surface: "serve" }).includes(
      "--allow-net=127.0.0.1:9077,127.0.0.1:8123,hooks.internal:443",
    ),
  );
  assert.ok(
    permissionFlags(config, { surface: "mcp" }).includes("--allow-net=127.0.0.1:8123,hooks.internal:443"),
  );
  assert.ok(!permissionFlags(config, { surface: "cli" }).some((f) => f.startsWith("--allow-net")));
  assert.ok(!permissionFlags(resolveConfig({}), { surface: "mcp" }).some((f) => f.startsWith("--allow-net")));
  assert.throws(() => resolveConfig({ file: { webhookAllow: ["http://x/"] } }), /is a URL/);
});

Deno.test("signatures follow the reference (key = SHA-256 of the secret) and retries back off exponentially", () => {
  const body = '{"event":"memory_store"}';
  const sig = signBody(secretHash("s".repeat(16)), { timestamp: 1700000000, body });
  assert.match(sig, /^sha256=[0-9a-f]{64}$/);
  const delivery = { timestamp: "1700000000", signature: sig, body };
  assert.equal(verifySignature("s".repeat(16), delivery, { nowSecs: 1700000100 }), null);
  assert.equal(
    verifySignature("s".repeat(16), { ...delivery, body: body + " " }, { nowSecs: 1700000100 }),
    "signature mismatch",
  );
  assert.equal(verifySignature("s".repeat(16), delivery, { nowSecs: 1700000301 }), "stale timestamp");
  const mid = () => 0.5;
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, mid)), [1000, 2000, 4000, 8000]);
  assert.equal(backoffDelay(40, 1000, mid), 3_600_000);
});
