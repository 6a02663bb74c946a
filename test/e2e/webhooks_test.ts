// End-to-end tests of webhooks: a subscription made over HTTP, writes from HTTP, MCP and the CLI
// (real processes on one SQLite file) delivered by the HTTP server's dispatcher to a loopback
// receiver with a valid signature; a receiver that is down gets the event once it is back; an
// event that fails every attempt is dead-lettered; secrets never appear; the SSRF guard and every
// bad input are refused on all three surfaces with the database unchanged.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { assertInvalid } from "../support/http_assertions.ts";
import { type ErrorBody, httpClient } from "../support/http_client.ts";
import { CLIENT_ACTOR, mcpCalls } from "../support/mcp_calls.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import { startReceiver, waitFor } from "../support/webhook_receiver.ts";
import { verifySignature } from "../../src/webhooks/signature.ts";
import { openSqlite } from "../../src/store/sqlite/open.ts";

const SECRET = "correct-horse-battery-staple-42";

interface Subscription {
  id: string;
  url: string;
  events: string;
  has_secret: boolean;
  dispatch_count: number;
  failure_count: number;
  pending: number;
  dead: number;
  last_error: string | null;
}

interface EventBody {
  event: string;
  action: string;
  memory_id: string;
  namespace: string;
  agent_id: string;
  audit_seq: number;
  delivered_at: string;
}

/** Rows of the tables a refused request must leave alone. */
function snapshot(db: string): string {
  const conn = openSqlite(db);
  try {
    return JSON.stringify([
      conn.prepare("SELECT * FROM subscriptions ORDER BY id").all(),
      conn.prepare("SELECT count(*) AS n, max(seq) AS seq FROM audit_log").get(),
      conn.prepare("SELECT count(*) AS n FROM webhook_outbox").get(),
    ]);
  } finally {
    conn.close();
  }
}

Deno.test("webhooks: signed delivery of every surface's writes, retries after an outage, dead letters, no secret anywhere, SSRF and bad input refused everywhere", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/hooks.db`;
  const receiver = startReceiver();
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      webhookAllow: [`127.0.0.1:${receiver.port}`],
      webhookBackoffMs: 100,
      webhookPollMs: 50,
      webhookMaxAttempts: 3,
      webhookTimeoutMs: 2000,
    }),
  );
  const cli = (args: string[], options: { stdin?: string } = {}) =>
    runCli([...args, "--db", db, "--config", config], options);
  const server = await startServer(db, ["--config", config]);
  // The MCP server has no network permission (-P=mcp): its dispatcher must leave events to the
  // HTTP server's instead of failing them.
  const client = await connectMcp(db, ["--config", config]);
  const mcp = mcpCalls(client);
  const http = httpClient(server.url);
  const hook = `http://127.0.0.1:${receiver.port}/hook`;
  const outputs: string[] = [];
  let sub: Subscription;
  const list = async () => {
    const body = await http.ok<{ subscriptions: Subscription[] }>("GET", "/api/v1/subscriptions");
    outputs.push(JSON.stringify(body));
    return body.subscriptions;
  };
  const deliveredTo = (path: string) => receiver.received.filter((r) => r.path === path);

  try {
    await t.step("subscribe over HTTP returns the subscription without its secret", async () => {
      const reply = await http.api<{ subscription: Subscription }>("POST", "/api/v1/subscriptions", {
        json: { url: hook, secret: SECRET, events: "memory_store, memory_delete" },
        agent: "ops-admin",
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      outputs.push(JSON.stringify(reply.body));
      sub = reply.body.subscription;
      assert.equal(sub.has_secret, true);
      assert.equal(sub.events, "memory_store,memory_delete");
      assert.equal(sub.url, hook);
    });

    await t.step(
      "writes from HTTP, MCP and CLI are delivered, signed, to the loopback receiver",
      async () => {
        await http.created({ title: "from http", content: "x", namespace: "ops" }, { agent: "alice" });
        await mcp.ok("memory_store", { title: "from mcp", content: "y", namespace: "ops" });
        succeeded(await cli(["store", "-T", "from cli", "-c", "z", "--agent-id", "carol"]), "cli store");
        await waitFor("three deliveries", () => deliveredTo("/hook").length >= 3);
        const now = Math.floor(Date.now() / 1000);
        const bodies = deliveredTo("/hook").map((r) => {
          assert.equal(verifySignature(SECRET, r, { nowSecs: now }), null, `signature of ${r.body}`);
          assert.equal(verifySignature("a-different-secret-000", r, { nowSecs: now }), "signature mismatch");
          assert.equal(verifySignature(SECRET, r, { nowSecs: now + 3600 }), "stale timestamp");
          const body = JSON.parse(r.body) as EventBody;
          assert.equal(r.event, body.event);
          assert.equal(r.delivery, String(body.audit_seq));
          return body;
        });
        assert.deepEqual(
          bodies.map((b) => [b.event, b.action, b.agent_id]).sort(),
          [
            ["memory_store", "memory.create", "alice"],
            ["memory_store", "memory.create", "carol"],
            ["memory_store", "memory.create", CLIENT_ACTOR],
          ].sort(),
        );
        assert.ok(bodies.every((b) => !b.memory_id.includes(SECRET) && b.delivered_at));
        const [s] = await list();
        assert.equal(s!.dispatch_count, 3);
        assert.equal(s!.failure_count, 0);
      },
    );

    await t.step("a receiver that is down gets the event after it comes back", async () => {
      await receiver.stop();
      const before = deliveredTo("/hook").length;
      await http.created({ title: "while down", content: "w", namespace: "ops" });
      await waitFor("a failed attempt", async () => ((await list())[0]!.failure_count ?? 0) >= 1);
      const [s] = await list();
      assert.equal(s!.pending, 1);
      assert.match(s!.last_error ?? "", /connection failed/);
      receiver.restart();
      await waitFor("the delivery after the outage", () => deliveredTo("/hook").length > before);
      assert.equal(JSON.parse(deliveredTo("/hook").at(-1)!.body).event, "memory_store");
      await waitFor("the count", async () => (await list())[0]!.pending === 0);
    });

    await t.step("an event failing every attempt is dead-lettered and shows in the list", async () => {
      receiver.statusFor.set("/fail", 500);
      const failing = json<{ subscription: Subscription }>(
        await cli([
          "subscribe",
          `http://127.0.0.1:${receiver.port}/fail`,
          "--events",
          "memory_delete",
          "--json",
        ]),
        "cli subscribe",
      ).subscription;
      const m = await http.created({ title: "doomed", content: "d", namespace: "ops" });
      await http.ok("DELETE", `/api/v1/memories/${m.id}`);
      const dead = async () => (await list()).find((s) => s.id === failing.id)!;
      await waitFor("a dead letter", async () => (await dead()).dead === 1);
      const s = await dead();
      assert.equal(s.failure_count, 3);
      assert.equal(s.pending, 0);
      assert.match(s.last_error ?? "", /HTTP 500/);
      assert.equal(deliveredTo("/fail").length, 3, "exactly max attempts were made");
      // The other subscription also takes memory_delete and got it.
      await waitFor(
        "the delete event",
        () => deliveredTo("/hook").some((r) => r.body.includes("memory_delete")),
      );
    });

    await t.step(
      "every surface lists subscriptions without the secret; CLI reads it from stdin",
      async () => {
        outputs.push(JSON.stringify(await mcp.ok("memory_list_subscriptions")));
        outputs.push(succeeded(await cli(["subscriptions", "--json"]), "cli list"));
        outputs.push(succeeded(await cli(["subscriptions"]), "cli table"));
        const viaStdin = await cli(["subscribe", hook, "--secret", "-", "--json"], { stdin: SECRET + "-2" });
        outputs.push(succeeded(viaStdin, "subscribe with stdin secret"));
        outputs.push(succeeded(await cli(["audit", "export"]), "audit export"));
        outputs.push(succeeded(await cli(["config", "show"]), "config show"));
        for (const out of outputs) assert.ok(!out.includes(SECRET), `a secret leaked: ${out.slice(0, 300)}`);
        for (const file of [db, `${db}-wal`]) {
          const bytes = await Deno.readFile(file).catch(() => new Uint8Array());
          assert.ok(
            !new TextDecoder("latin1").decode(bytes).includes(SECRET),
            `${file} holds no plaintext secret`,
          );
        }
      },
    );

    await t.step(
      "the SSRF guard refuses internal targets on every surface, naming url, changing nothing",
      async () => {
        const before = snapshot(db);
        assertInvalid(
          await http.api("POST", "/api/v1/subscriptions", { json: { url: "http://169.254.169.254/latest" } }),
          "url",
          { mentions: ["cloud-metadata"] },
        );
        await mcp.fails("memory_subscribe", { url: "http://10.1.2.3/hook" }, {
          mentions: ["url", "private"],
        });
        refused(await cli(["subscribe", "http://[::1]:9/hook"]), "cli ::1", {
          mentions: ["url", "loopback"],
        });
        const other = receiver.port === 65535 ? receiver.port - 1 : receiver.port + 1;
        refused(await cli(["subscribe", `http://localhost:${other}/hook`]), "cli localhost", {
          mentions: ["url", "localhost", "resolves to", "loopback"],
        });
        refused(await cli(["subscribe", `http://127.0.0.1:${other}/hook`]), "cli other port", {
          mentions: ["url", "loopback"],
        });
        assert.equal(snapshot(db), before);
      },
    );

    await t.step(
      "bad input is refused on every surface with the field and the limit, changing nothing",
      async () => {
        const before = snapshot(db);
        const cases: [Record<string, unknown>, string, string][] = [
          [{}, "url", "must be a string"],
          [{ url: "ftp://127.0.0.1/x" }, "url", "http or https"],
          [{ url: hook, events: "memory_store,memory_nope" }, "events", "memory_nope"],
          [{ url: hook, secret: "short" }, "secret", "at least 16"],
          [{ url: hook, namespace_filter: "a//b" }, "namespace_filter", ""],
          [{ url: hook, agent_filter: "bad agent!" }, "agent_filter", "1-128"],
          [{ url: `${hook}/${"x".repeat(2100)}` }, "url", "at most 2048"],
        ];
        for (const [input, field, limit] of cases) {
          const reply = await http.api<ErrorBody>("POST", "/api/v1/subscriptions", { json: input });
          assertInvalid(reply, field);
          assert.ok(reply.body.error.message.includes(limit), reply.body.error.message);
          await mcp.fails("memory_subscribe", input, { mentions: [field, limit] });
        }
        refused(await cli(["subscribe", hook, "--events", "nope"]), "cli events", { mentions: ["events"] });
        refused(await cli(["subscribe", hook, "--secret", "short"]), "cli secret", {
          mentions: ["secret", "16"],
        });
        refused(await cli(["subscribe"]), "cli without url", {});
        assert.equal(snapshot(db), before);
        const missing = await http.api<ErrorBody>("DELETE", "/api/v1/subscriptions?id=nope");
        assert.equal(missing.status, 404);
        refused(await cli(["unsubscribe", "nope"]), "cli unsubscribe unknown", {
          code: 1,
          mentions: ["nope"],
        });
        assert.equal(snapshot(db), before);
      },
    );

    await t.step("unsubscribe removes a subscription and its queued events on each surface", async () => {
      const subs = await list();
      assert.equal(subs.length, 3);
      await http.ok("DELETE", `/api/v1/subscriptions?id=${subs[0]!.id}`);
      await mcp.ok("memory_unsubscribe", { id: subs[1]!.id });
      succeeded(await cli(["unsubscribe", subs[2]!.id]), "cli unsubscribe");
      assert.deepEqual(await list(), []);
      const v = json<{ ok: boolean }>(await cli(["audit", "verify", "--json"]), "audit verify");
      assert.equal(v.ok, true);
    });
  } finally {
    await client.close();
    await server.stop();
    await receiver.stop().catch(() => {});
  }
});
