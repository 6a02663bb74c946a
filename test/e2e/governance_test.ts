// End-to-end tests of governance: namespace policies enforced alike on MCP (SDK client over stdio),
// HTTP (127.0.0.1, ephemeral port) and the CLI (subprocesses), all on one real SQLite file; denials
// that change nothing, the approval queue, its exactly-once replay and consensus.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { httpClient } from "../support/http_client.ts";
import { assertInvalid } from "../support/http_assertions.ts";
import { mcpCalls, textOf } from "../support/mcp_calls.ts";
import type { Client } from "../support/mcp_client.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import { openSqlite } from "../../src/store/sqlite/open.ts";

const OWNER = "owner-agent";
const REGISTERED = "reg-agent";
const STRANGER = "stranger";
const RULES = ["any", "registered", "owner", "approve"] as const;
type Rule = (typeof RULES)[number];
type Outcome = { kind: "ok" | "pending" | "denied"; body: Record<string, unknown>; text: string };

/** Everything governance could change: memories, the audit trail, the queue and the policies. */
function snapshot(db: string): string {
  const conn = openSqlite(db);
  try {
    return JSON.stringify([
      conn.prepare("SELECT id, namespace, tier, updated_at, deleted_at, removal FROM memories ORDER BY id")
        .all(),
      conn.prepare("SELECT seq, hash FROM audit_log ORDER BY seq").all(),
      conn.prepare("SELECT * FROM pending_actions ORDER BY id").all(),
      conn.prepare("SELECT * FROM namespace_meta ORDER BY namespace").all(),
    ]);
  } finally {
    conn.close();
  }
}

function auditRows(db: string): { actor: string; operation: string; action: string; ids: string }[] {
  const conn = openSqlite(db);
  try {
    return conn.prepare("SELECT actor, operation, action, ids FROM audit_log ORDER BY seq").all() as never;
  } finally {
    conn.close();
  }
}

/** One caller on one surface. */
interface Caller {
  store(namespace: string, title: string): Promise<Outcome>;
  delete(id: string): Promise<Outcome>;
  promote(id: string): Promise<Outcome>;
}

function mcpCaller(client: Client): Caller {
  const mcp = mcpCalls(client);
  const call = async (name: string, args: Record<string, unknown>): Promise<Outcome> => {
    const r = await mcp.call(name, args);
    const text = textOf(r);
    if (r.isError) {
      assert.ok(text.startsWith("forbidden:"), `${name}: ${text}`);
      return { kind: "denied", body: {}, text };
    }
    const body = r.structuredContent!;
    return { kind: body.status === "pending" ? "pending" : "ok", body, text };
  };
  return {
    store: (namespace, title) => call("memory_store", { namespace, title, content: `${title} text` }),
    delete: (id) => call("memory_delete", { id }),
    promote: (id) => call("memory_promote", { id }),
  };
}

function httpCaller(base: string, agent: string): Caller {
  const http = httpClient(base);
  const send = async (method: string, path: string, json?: unknown): Promise<Outcome> => {
    const r = await http.api<Record<string, unknown>>(method, path, { agent, ...(json ? { json } : {}) });
    const text = JSON.stringify(r.body);
    if (r.status === 403) {
      assert.equal((r.body.error as { code: string }).code, "forbidden", text);
      return { kind: "denied", body: r.body, text: (r.body.error as { message: string }).message };
    }
    if (r.status === 202) {
      assert.equal(r.body.status, "pending", text);
      return { kind: "pending", body: r.body, text };
    }
    assert.ok(r.status === 200 || r.status === 201, `${method} ${path}: ${r.status} ${text}`);
    return { kind: "ok", body: r.body, text };
  };
  return {
    store: (namespace, title) =>
      send("POST", "/api/v1/memories", { namespace, title, content: `${title} text` }),
    delete: (id) => send("DELETE", `/api/v1/memories/${id}`),
    promote: (id) => send("POST", `/api/v1/memories/${id}/promote`, {}),
  };
}

function cliCaller(db: string, agent: string): Caller {
  const run = async (args: string[]): Promise<Outcome> => {
    const r = await runCli([...args, "--db", db, "--agent-id", agent, "--json"]);
    if (r.code === 3) {
      refused(r, args.join(" "), { code: 3, mentions: ["forbidden"] });
      return { kind: "denied", body: {}, text: r.stderr };
    }
    const body = json<Record<string, unknown>>(r, args.join(" "));
    return { kind: body.status === "pending" ? "pending" : "ok", body, text: r.stdout };
  };
  return {
    store: (namespace, title) => run(["store", "-n", namespace, "-T", title, "-c", `${title} text`]),
    delete: (id) => run(["delete", id]),
    promote: (id) => run(["promote", id]),
  };
}

/** The outcome a caller should get under `rule`: the stranger is refused where the rule names others. */
function expected(rule: Rule, who: string): Outcome["kind"] {
  if (rule === "any") return "ok";
  if (rule === "approve") return "pending";
  if (rule === "registered") return who === STRANGER ? "denied" : "ok";
  return who === OWNER ? "ok" : "denied";
}

/** The identity each rule lets through (besides the stranger, whom only any lets through). */
const ALLOWED: Record<Rule, string> = {
  any: STRANGER,
  registered: REGISTERED,
  owner: OWNER,
  approve: STRANGER,
};

Deno.test("governance: any, registered, owner and approve for write, promote and delete on MCP, HTTP and CLI", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/gov.db`;
  const server = await startServer(db);
  const clients: Client[] = [];
  try {
    const admin = httpClient(server.url);
    await admin.ok("POST", "/api/v1/agents", {
      json: { agent_id: REGISTERED, agent_type: "ai:test" },
      status: 201,
    });
    // Memories to delete and promote, per surface and rule, stored before the policies exist.
    const surfaces = ["mcp", "http", "cli"] as const;
    const targets = new Map<string, string>();
    for (const rule of RULES) {
      const ns = `gov-${rule}`;
      const standard = await admin.created({ namespace: ns, title: `${ns} policy`, content: "rules" }, {
        agent: OWNER,
      });
      for (const surface of surfaces) {
        for (const kind of ["delete", "promote"]) {
          const m = await admin.created({ namespace: ns, title: `${surface} ${kind}`, content: "x" }, {
            agent: OWNER,
          });
          targets.set(`${surface}/${rule}/${kind}`, m.id);
        }
      }
      await admin.ok("POST", `/api/v1/namespaces/${ns}/standard`, {
        json: { id: standard.id, governance: { write: rule, promote: rule, delete: rule } },
        agent: OWNER,
      });
    }
    const mcpAs = async (agent: string) => {
      const client = await connectMcp(db, ["--agent-id", agent]);
      clients.push(client);
      return mcpCaller(client);
    };
    const callers: Record<(typeof surfaces)[number], Record<string, Caller>> = {
      mcp: {
        [STRANGER]: await mcpAs(STRANGER),
        [REGISTERED]: await mcpAs(REGISTERED),
        [OWNER]: await mcpAs(OWNER),
      },
      http: Object.fromEntries([STRANGER, REGISTERED, OWNER].map((a) => [a, httpCaller(server.url, a)])),
      cli: Object.fromEntries([STRANGER, REGISTERED, OWNER].map((a) => [a, cliCaller(db, a)])),
    };

    await t.step(
      "a refused write, promote or delete names the rule and namespace and changes nothing, audit trail included",
      async () => {
        const before = snapshot(db);
        for (const surface of surfaces) {
          for (const rule of ["registered", "owner"] as const) {
            const stranger = callers[surface][STRANGER]!;
            const outcomes = [
              ["write", await stranger.store(`gov-${rule}/sub`, `${surface} denied write`)],
              ["delete", await stranger.delete(targets.get(`${surface}/${rule}/delete`)!)],
              ["promote", await stranger.promote(targets.get(`${surface}/${rule}/promote`)!)],
            ] as const;
            for (const [kind, outcome] of outcomes) {
              const what = `${surface} ${kind} under ${rule}`;
              assert.equal(outcome.kind, "denied", `${what}: ${outcome.text}`);
              assert.ok(
                outcome.text.includes(`${kind} rule "${rule}"`),
                `${what} names the rule: ${outcome.text}`,
              );
              assert.ok(
                outcome.text.includes(`"gov-${rule}`),
                `${what} names the namespace: ${outcome.text}`,
              );
            }
          }
        }
        assert.equal(snapshot(db), before, "memories, audit trail, queue and policies are unchanged");
      },
    );

    await t.step(
      "update, forget and consolidate are governed too (the reference let them through)",
      async () => {
        const before = snapshot(db);
        const http = httpClient(server.url);
        const a = targets.get("http/owner/delete")!;
        const b = targets.get("http/owner/promote")!;
        const attempts = [
          await http.api("PUT", `/api/v1/memories/${a}`, { json: { content: "changed" }, agent: STRANGER }),
          await http.api("POST", "/api/v1/forget", { json: { namespace: "gov-owner" }, agent: STRANGER }),
          await http.api("POST", "/api/v1/consolidate", {
            json: { ids: [a, b], title: "merged", summary: "both", namespace: "free" },
            agent: STRANGER,
          }),
          await http.api("PUT", `/api/v1/memories/${targets.get("http/any/delete")}`, {
            json: { namespace: "gov-owner/moved" },
            agent: STRANGER,
          }),
        ];
        for (const r of attempts) assert.equal(r.status, 403, JSON.stringify(r.body));
        const dry = await http.api<{ archived: number }>("POST", "/api/v1/forget", {
          json: { namespace: "gov-owner", dry_run: true },
          agent: STRANGER,
        });
        assert.equal(dry.status, 200, "a dry run changes nothing and is not governed");
        assert.equal(snapshot(db), before);
      },
    );

    await t.step(
      "each rule lets through whom it names, and approve queues (HTTP 202, pending id)",
      async () => {
        for (const surface of surfaces) {
          for (const rule of RULES) {
            const who = ALLOWED[rule];
            const caller = callers[surface][who]!;
            const write = await caller.store(`gov-${rule}`, `${surface} ${rule} write`);
            const del = await caller.delete(targets.get(`${surface}/${rule}/delete`)!);
            const promote = await caller.promote(targets.get(`${surface}/${rule}/promote`)!);
            for (
              const [kind, outcome] of [["write", write], ["delete", del], ["promote", promote]] as const
            ) {
              assert.equal(outcome.kind, expected(rule, who), `${surface} ${kind} under ${rule} by ${who}`);
              if (outcome.kind === "pending") {
                assert.equal(typeof outcome.body.pending_id, "string");
                assert.ok(String(outcome.body.reason).includes(`${kind} rule "approve"`), outcome.text);
                assert.equal(outcome.body.action, kind === "write" ? "store" : kind);
              }
            }
          }
        }
        // What approve queued did not happen: the memories to delete and promote are as they were.
        for (const surface of surfaces) {
          const del = await admin.api("GET", `/api/v1/memories/${targets.get(`${surface}/approve/delete`)}`);
          assert.equal(del.status, 200, "a queued delete has not run");
          const pro = await admin.ok<{ memory: { tier: string } }>(
            "GET",
            `/api/v1/memories/${targets.get(`${surface}/approve/promote`)}`,
          );
          assert.equal(pro.memory.tier, "mid", "a queued promote has not run");
        }
        const queue = await admin.ok<{ count: number }>("GET", "/api/v1/pending?status=pending");
        assert.equal(queue.count, 9, "three queued actions per surface");
      },
    );

    await t.step("memory_capabilities reports live counts of policies and pending actions", async () => {
      const caps = await admin.ok<{ governance: Record<string, number> }>("GET", "/api/v1/capabilities");
      assert.deepEqual(caps.governance, { rules: 4, pending: 9, approved: 0, rejected: 0 });
    });

    await t.step("a policy is inherited, and only its owner (or the operator) may change it", async () => {
      const other = await admin.created({ namespace: "gov-owner/team", title: "team rules", content: "r" }, {
        agent: OWNER,
      });
      const refused403 = await admin.api("POST", "/api/v1/namespaces/gov-owner/team/standard", {
        json: { id: other.id, governance: { write: "any" } },
        agent: STRANGER,
      });
      assert.equal(refused403.status, 403, JSON.stringify(refused403.body));
      const got = await admin.ok<{ governance: { namespace: string; write: string } }>(
        "GET",
        "/api/v1/namespaces/gov-owner/team/standard",
      );
      assert.equal(got.governance.namespace, "gov-owner", "the policy in force is inherited");
      assert.equal(got.governance.write, "owner");
    });
  } finally {
    for (const c of clients) await c.close();
    await server.stop();
  }
});

Deno.test("governance queue: approval replays exactly once (even racing from two processes), rejection never runs, approvers are checked", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/queue.db`;
  const cli = (args: string[], agent = "operator") =>
    runCli([...args, "--db", db, "--agent-id", agent, "--json"]);
  const server = await startServer(db);
  try {
    const http = httpClient(server.url);
    for (const agent of ["voter-a", "voter-b", "boss"]) {
      await http.ok("POST", "/api/v1/agents", {
        json: { agent_id: agent, agent_type: "ai:test" },
        status: 201,
      });
    }
    const policy = async (ns: string, approver: unknown) => {
      const std = await http.created({ namespace: ns, title: `${ns} policy`, content: "r" }, {
        agent: "boss",
      });
      await http.ok("POST", `/api/v1/namespaces/${ns}/standard`, {
        json: { id: std.id, governance: { write: "approve", delete: "approve", approver } },
        agent: "boss",
      });
    };
    await policy("human-ns", "human");
    await policy("agent-ns", { agent: "boss" });
    await policy("vote-ns", { consensus: 2 });
    const queue = async (ns: string, title: string) => {
      const r = await http.api<{ pending_id: string }>("POST", "/api/v1/memories", {
        json: { namespace: ns, title, content: "queued" },
        agent: "requester",
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.pending_id;
    };
    const titled = async (ns: string, title: string) =>
      (await http.ok<{ memories: { title: string }[] }>("GET", `/api/v1/memories?namespace=${ns}&limit=200`))
        .memories.filter((m) => m.title === title).length;

    await t.step(
      "a human approval comes from the operator's CLI; MCP and HTTP callers are refused",
      async () => {
        const id = await queue("human-ns", "human fact");
        const viaHttp = await http.api("POST", `/api/v1/pending/${id}/approve`, { agent: "boss" });
        assert.equal(viaHttp.status, 403, JSON.stringify(viaHttp.body));
        const mcp = await connectMcp(db, ["--agent-id", "boss"]);
        try {
          await mcpCalls(mcp).fails("memory_pending_approve", { id }, { mentions: ["forbidden", "human"] });
        } finally {
          await mcp.close();
        }
        assert.equal(await titled("human-ns", "human fact"), 0);
        const approved = json<{ status: string; executed: boolean }>(
          await cli(["pending", "approve", id]),
          "approve",
        );
        assert.deepEqual([approved.status, approved.executed], ["approved", true]);
        assert.equal(await titled("human-ns", "human fact"), 1);
        const replay = auditRows(db).filter((r) => r.operation.startsWith("memory_store (pending"));
        assert.equal(replay.length, 1);
        assert.equal(replay[0]!.actor, "requester", "the replay is the requester's");
        assert.ok(replay[0]!.operation.includes(`pending ${id}, approved by operator`), replay[0]!.operation);
        refused(await cli(["pending", "approve", id]), "approve again", {
          code: 1,
          mentions: ["already approved"],
        });
        refused(await cli(["pending", "reject", id]), "reject approved", {
          code: 1,
          mentions: ["already approved"],
        });
        assert.equal(await titled("human-ns", "human fact"), 1, "approving again ran nothing");
      },
    );

    await t.step(
      "two processes approving at once: one replays, the other is told it is already approved",
      async () => {
        const id = await queue("human-ns", "raced fact");
        const [a, b] = await Promise.all([cli(["pending", "approve", id]), cli(["pending", "approve", id])]);
        assert.deepEqual([a.code, b.code].sort(), [0, 1], `${a.stderr} ${b.stderr}`);
        assert.ok((a.code === 1 ? a : b).stderr.includes("already approved"));
        assert.equal(await titled("human-ns", "raced fact"), 1, "replayed exactly once");
        const creates = auditRows(db).filter((r) => r.operation.includes(`pending ${id}`));
        assert.equal(creates.length, 1, "one replay in the audit trail");
      },
    );

    await t.step("a rejected action never runs and cannot be approved afterwards", async () => {
      const id = await queue("human-ns", "rejected fact");
      const rejected = json<{ action: { status: string } }>(await cli(["pending", "reject", id]), "reject");
      assert.equal(rejected.action.status, "rejected");
      refused(await cli(["pending", "approve", id]), "approve rejected", {
        code: 1,
        mentions: ["already rejected"],
      });
      assert.equal(await titled("human-ns", "rejected fact"), 0);
    });

    await t.step("an {agent} approver: only that agent approves", async () => {
      const id = await queue("agent-ns", "agent fact");
      const other = await http.api("POST", `/api/v1/pending/${id}/approve`, { agent: "voter-a" });
      assert.equal(other.status, 403);
      refused(await cli(["pending", "approve", id]), "operator is not boss", {
        code: 3,
        mentions: ["agent boss"],
      });
      const ok = await http.ok<{ executed: boolean }>("POST", `/api/v1/pending/${id}/approve`, {
        agent: "boss",
      });
      assert.equal(ok.executed, true);
      assert.equal(await titled("agent-ns", "agent fact"), 1);
    });

    await t.step("consensus needs n distinct registered agents other than the requester", async () => {
      const id = await queue("vote-ns", "voted fact");
      const approve = (agent: string) =>
        http.api<Record<string, unknown>>("POST", `/api/v1/pending/${id}/approve`, { agent });
      assert.equal((await approve("requester")).status, 403, "the requester cannot vote");
      assert.equal((await approve("unregistered")).status, 403, "an unregistered agent cannot vote");
      const first = await approve("voter-a");
      assert.equal(first.status, 200);
      assert.deepEqual([first.body.status, first.body.approvals, first.body.needed], ["pending", 1, 2]);
      assert.equal(await titled("vote-ns", "voted fact"), 0, "one vote of two runs nothing");
      const again = await approve("VOTER-A".toLowerCase());
      assert.equal(again.status, 409, "the same agent cannot vote twice");
      const second = await approve("voter-b");
      assert.deepEqual([second.body.status, second.body.executed], ["approved", true]);
      assert.equal(await titled("vote-ns", "voted fact"), 1);
      const replay = auditRows(db).find((r) => r.operation.includes(`pending ${id}`))!;
      assert.ok(replay.operation.includes("approved by voter-a, voter-b"), replay.operation);
    });

    await t.step("an approved delete runs as the requester", async () => {
      const target = (await http.ok<{ memories: { id: string; title: string }[] }>(
        "GET",
        "/api/v1/memories?namespace=human-ns",
      )).memories.find((m) => m.title === "human fact")!;
      const r = await http.api<{ pending_id: string }>("DELETE", `/api/v1/memories/${target.id}`, {
        agent: "x",
      });
      assert.equal(r.status, 202);
      succeeded(await cli(["pending", "approve", r.body.pending_id]), "approve delete");
      assert.equal((await http.api("GET", `/api/v1/memories/${target.id}`)).status, 404);
      const listed = json<{ actions: { status: string }[] }>(
        await cli(["pending", "list", "--status", "rejected"]),
        "list",
      );
      assert.equal(listed.actions.length, 1);
    });
  } finally {
    await server.stop();
  }
});

Deno.test("governance: bad input names the field on every surface and changes nothing", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/bad.db`;
  const cli = (args: string[]) => runCli([...args, "--db", db, "--agent-id", "boss"]);
  const stored = json<{ id: string }>(
    await cli(["store", "-n", "bad", "-T", "std", "-c", "x", "--json"]),
    "seed",
  );
  const before = snapshot(db);
  const badPolicy = { write: "sometimes" };
  refused(
    await cli(["standard", "set", "bad", stored.id, "--governance", JSON.stringify(badPolicy)]),
    "cli",
    {
      mentions: ["governance.write"],
    },
  );
  refused(await cli(["pending", "list", "--limit", "5000"]), "cli limit", { mentions: ["limit"] });
  const server = await startServer(db);
  const mcp = await connectMcp(db);
  try {
    const http = httpClient(server.url);
    assertInvalid(
      await http.api("POST", "/api/v1/namespaces/bad/standard", {
        json: { id: stored.id, governance: badPolicy },
      }),
      "governance.write",
    );
    assertInvalid(
      await http.api("POST", "/api/v1/namespaces/bad/standard", {
        json: { id: stored.id, governance: { approver: { consensus: 0 } } },
      }),
      "governance.approver.consensus",
    );
    assertInvalid(await http.api("GET", "/api/v1/pending?status=maybe"), "status");
    const calls = mcpCalls(mcp);
    await calls.fails("memory_namespace_set_standard", {
      namespace: "bad",
      id: stored.id,
      governance: badPolicy,
    }, {
      mentions: ["governance.write"],
    });
    await calls.fails("memory_pending_approve", { id: "" }, { mentions: ["id"] });
    const missing = await http.api("POST", "/api/v1/pending/no-such-id/approve");
    assert.equal(missing.status, 404);
  } finally {
    await mcp.close();
    await server.stop();
  }
  assert.equal(snapshot(db), before, "nothing changed");
});

Deno.test("governance: a link is a write into its source's namespace (queued under approve, replayed once approved)", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/links.db`;
  const cli = (args: string[]) => runCli(["--db", db, ...args]);
  const stored = async (namespace: string, title: string) =>
    json<{ id: string }>(
      await cli(["store", "-n", namespace, "-T", title, "-c", `${title} text`, "--json"]),
      title,
    ).id;
  const a = await stored("gl", "deploy on fridays");
  const b = await stored("other", "never deploy on fridays");
  const standard = await stored("gl", "gl rules");
  succeeded(
    await cli(["standard", "set", "gl", standard, "--governance", '{"write":"approve"}']),
    "standard set",
  );
  const server = await startServer(db);
  const { api } = httpClient(server.url);
  const linksOf = async (id: string) =>
    json<{ links: { relation: string; target_id: string }[] }>(await cli(["links", id, "--json"]), "links")
      .links;
  try {
    // From a memory of the governed namespace: queued, nothing linked yet.
    const queued = await api<{ status: string; pending_id: string }>("POST", "/api/v1/links", {
      json: { source_id: a, target_id: b, relation: "contradicts" },
    });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.equal(queued.body.status, "pending");
    assert.equal((await linksOf(a)).length, 0);
    // From the other namespace (no policy): linked at once.
    const direct = await api("POST", "/api/v1/links", {
      json: { source_id: b, target_id: a, relation: "contradicts" },
    });
    assert.equal(direct.status, 201, JSON.stringify(direct.body));
    // Approved by the operator: the link is made, once.
    succeeded(await cli(["pending", "approve", queued.body.pending_id]), "approve");
    const made = await linksOf(a);
    assert.deepEqual(made.filter((l) => l.relation === "contradicts" && l.target_id === b).length, 1);
  } finally {
    await server.stop();
  }
});
