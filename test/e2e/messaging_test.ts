// End-to-end tests of agent-to-agent messaging (memory_notify / memory_inbox) on all three
// surfaces: MCP through the SDK client over stdio, the CLI as a subprocess, and the HTTP server.
import assert from "node:assert/strict";
import { json, refused } from "../support/cli_assertions.ts";
import { assertInvalid } from "../support/http_assertions.ts";
import { type ErrorBody, httpClient, qs } from "../support/http_client.ts";
import { mcpCalls } from "../support/mcp_calls.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import type { RecallResult } from "../support/results.ts";
import type { AgentMessage } from "../../src/store/message_store.ts";

type Message = AgentMessage;
interface Inbox {
  messages: Message[];
  count: number;
  unread: number;
  marked_read: number;
}

Deno.test("A2A over MCP: a notified agent sees the message unread, marks it read, and only it reads its inbox", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/a2a.db`;
  const aliceClient = await connectMcp(db, ["--agent-id", "alice"]);
  const bobClient = await connectMcp(db, ["--agent-id", "bob"]);
  const alice = mcpCalls(aliceClient);
  const bob = mcpCalls(bobClient);
  try {
    await t.step("notify stores a message from the caller to the target", async () => {
      const { message } = await alice.ok<{ message: Message }>("memory_notify", {
        target_agent_id: "bob",
        title: "Build status",
        payload: "the nightly build of proj is green again",
        priority: 7,
        namespace: "proj",
      });
      assert.equal(message.from_agent, "alice");
      assert.equal(message.to_agent, "bob");
      assert.equal(message.priority, 7);
      assert.equal(message.read_at, null);
    });

    await t.step("the recipient's inbox lists it unread; the sender's inbox is its own (empty)", async () => {
      const inbox = await bob.ok<Inbox>("memory_inbox", { unread_only: true });
      assert.equal(inbox.count, 1);
      assert.equal(inbox.unread, 1);
      assert.equal(inbox.messages[0]!.title, "Build status");
      assert.equal(inbox.messages[0]!.read_at, null);
      assert.equal((await alice.ok<Inbox>("memory_inbox", {})).count, 0);
      await alice.fails("memory_inbox", { agent_id: "bob" }, { mentions: ["agent_id", "own inbox"] });
    });

    await t.step("mark_read marks what it returns; unread_only then finds nothing", async () => {
      const marked = await bob.ok<Inbox>("memory_inbox", { mark_read: true });
      assert.equal(marked.marked_read, 1);
      assert.equal(marked.unread, 0);
      assert.ok(marked.messages[0]!.read_at);
      assert.equal((await bob.ok<Inbox>("memory_inbox", { unread_only: true })).count, 0);
      const all = await bob.ok<Inbox>("memory_inbox", {});
      assert.equal(all.count, 1);
      assert.equal(all.messages[0]!.read_at, marked.messages[0]!.read_at);
      assert.equal((await bob.ok<Inbox>("memory_inbox", { mark_read: true })).marked_read, 0, "idempotent");
    });

    await t.step("messages are not memories: recall never returns them", async () => {
      const recall = await bob.ok<RecallResult>("memory_recall", {
        context: "nightly build green",
        format: "json",
      });
      assert.equal(recall.count, 0);
    });

    await t.step("bad input is an isError result naming the field, and sends nothing", async () => {
      const cases: [Record<string, unknown>, string[]][] = [
        [{ target_agent_id: "bob", title: "", payload: "p" }, ["title", "empty"]],
        [{ target_agent_id: "bob", title: "t".repeat(201), payload: "p" }, ["title", "200"]],
        [{ target_agent_id: "bob", title: "t" }, ["payload"]],
        [{ target_agent_id: "bob", title: "t", payload: "x".repeat(65_537) }, ["payload", "65536"]],
        [{ target_agent_id: "bob", title: "t", payload: "p", priority: 11 }, ["priority", "10"]],
        [{ target_agent_id: "bad agent", title: "t", payload: "p" }, ["target_agent_id"]],
        [{ title: "t", payload: "p" }, ["target_agent_id"]],
        [{ target_agent_id: "bob", title: "t", payload: "p", namespace: "a//b" }, ["namespace"]],
      ];
      for (const [args, mentions] of cases) await alice.fails("memory_notify", args, { mentions });
      await bob.fails("memory_inbox", { limit: 501 }, { mentions: ["limit", "500"] });
      await bob.fails("memory_inbox", { unread_only: "yes" }, { mentions: ["unread_only"] });
      assert.equal((await bob.ok<Inbox>("memory_inbox", {})).count, 1, "nothing was sent");
    });
  } finally {
    await aliceClient.close();
    await bobClient.close();
  }
});

Deno.test("A2A on the CLI: notify and inbox round trip; bad input exits 2 naming the field and sends nothing", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/a2a-cli.db`;
  const as = (agent: string, args: string[], stdin?: string) =>
    runCli(["--db", db, "--agent-id", agent, ...args], stdin === undefined ? {} : { stdin });
  const sent = json<{ message: Message }>(
    await as(
      "alice",
      ["notify", "bob", "-T", "Review", "-c", "-", "-p", "3", "--json"],
      "please review PR 12",
    ),
    "notify",
  );
  assert.equal(sent.message.payload, "please review PR 12");
  const inbox = json<Inbox>(await as("bob", ["inbox", "--unread-only", "--json"]), "inbox");
  assert.equal(inbox.count, 1);
  assert.equal(inbox.messages[0]!.from_agent, "alice");
  assert.equal(
    json<Inbox>(await as("bob", ["inbox", "--mark-read", "--json"]), "inbox --mark-read").marked_read,
    1,
  );
  assert.equal(json<Inbox>(await as("bob", ["inbox", "--unread-only", "--json"]), "inbox").count, 0);

  refused(await as("alice", ["notify", "bob", "-T", "", "-c", "x"]), "empty title", { mentions: ["title"] });
  refused(await as("alice", ["notify", "bob", "-T", "t", "-c", "x", "-p", "0"]), "priority 0", {
    mentions: ["priority"],
  });
  refused(await as("alice", ["notify", "bad agent", "-T", "t", "-c", "x"]), "bad target", {
    mentions: ["target_agent_id"],
  });
  refused(await as("bob", ["inbox", "--limit", "9999"]), "inbox limit", { mentions: ["limit", "500"] });
  const after = json<Inbox>(await as("bob", ["inbox", "--json"]), "inbox");
  assert.equal(after.count, 1, "nothing was sent");
});

Deno.test("A2A over HTTP: round trip, field-naming 400s, and with API keys each agent reads only its inbox", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/a2a-http.db`;
  const server = await startServer(db);
  const { api } = httpClient(server.url);
  try {
    const sent = await api<{ message: Message }>("POST", "/api/v1/notify", {
      json: { target_agent_id: "bob", title: "Deploy", payload: "deploy at 5" },
      agent: "alice",
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(sent.body.message.from_agent, "alice");
    const inbox = await api<Inbox>("GET", `/api/v1/inbox${qs({ unread_only: true })}`, { agent: "bob" });
    assert.equal(inbox.body.count, 1);
    const marked = await api<Inbox>("POST", "/api/v1/inbox", { json: { mark_read: true }, agent: "bob" });
    assert.equal(marked.body.marked_read, 1);

    const bad: [Record<string, unknown>, string, string[]][] = [
      [{ target_agent_id: "bob", title: "", payload: "p" }, "title", ["empty"]],
      [{ target_agent_id: "bob", title: "t", payload: "p", priority: "high" }, "priority", []],
      [{ target_agent_id: 7, title: "t", payload: "p" }, "target_agent_id", []],
      [{ target_agent_id: "bob", title: "t".repeat(201), payload: "p" }, "title", ["200"]],
    ];
    for (const [body, field, mentions] of bad) {
      assertInvalid(await api("POST", "/api/v1/notify", { json: body, agent: "alice" }), field, { mentions });
    }
    assertInvalid(await api("GET", `/api/v1/inbox${qs({ limit: 0 })}`, { agent: "bob" }), "limit", {
      mentions: ["500"],
    });
    const other = await api<ErrorBody>("GET", `/api/v1/inbox${qs({ agent_id: "bob" })}`, { agent: "alice" });
    assert.equal(other.status, 403);
    assert.equal(other.body.error.details.field, "agent_id");
    assert.equal(
      (await api<Inbox>("GET", "/api/v1/inbox", { agent: "bob" })).body.count,
      1,
      "nothing was sent",
    );

    // With keys, the key decides who the caller is.
    const key = async (agent: string, ns: string) =>
      json<{ token: string }>(
        await runCli(["--db", db, "keys", "create", "--agent", agent, "--read", ns, "--write", ns, "--json"]),
        "keys create",
      ).token;
    const aliceKey = await key("alice", "proj-a");
    const bobKey = await key("bob", "proj-b");
    const withKey = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const keyed = await api<{ message: Message }>("POST", "/api/v1/notify", {
      json: { target_agent_id: "bob", title: "Keyed", payload: "p", namespace: "proj-a" },
      ...withKey(aliceKey),
    });
    assert.equal(keyed.status, 201);
    assert.equal(keyed.body.message.from_agent, "alice");
    const outside = await api<ErrorBody>("POST", "/api/v1/notify", {
      json: { target_agent_id: "bob", title: "Nope", payload: "p", namespace: "proj-b" },
      ...withKey(aliceKey),
    });
    assert.equal(outside.status, 403);
    assert.equal(outside.body.error.details.field, "namespace");
    const snoop = await api<ErrorBody>("GET", `/api/v1/inbox${qs({ agent_id: "bob" })}`, withKey(aliceKey));
    assert.equal(snoop.status, 403);
    const bobs = await api<Inbox>("GET", `/api/v1/inbox${qs({ unread_only: true })}`, withKey(bobKey));
    assert.deepEqual(bobs.body.messages.map((m) => m.title), ["Keyed"]);
  } finally {
    await server.stop();
  }
});
