// The knowledge-graph, namespace, standard, entity, agent and session operations through the CLI
// (one subprocess per run, nested commands such as `kg query`) and through MCP over stdio (each
// tool once, structuredContent checked against the listed output schema by the SDK client).
import assert from "node:assert/strict";
import { json, refused } from "../support/cli_assertions.ts";
import { sameSet } from "../support/id_sets.ts";
import { CLIENT_ACTOR, mcpCalls } from "../support/mcp_calls.ts";
import { GRAPH_OPERATIONS } from "../support/operation_names.ts";
import { connectMcp, runCli, tempDataDir } from "../support/processes.ts";
import type {
  AgentResult,
  AgentsResult,
  AliasResult,
  ClearStandardResult,
  EntityResult,
  GetResult,
  GetStandardResult,
  InvalidateResult,
  KgResult,
  LinkResult,
  LinksResult,
  ListResult,
  Memory,
  RecallResult,
  SearchResult,
  SessionResult,
  SetStandardResult,
  StoreResult,
  TaxonomyResult,
  TimelineResult,
} from "../support/results.ts";

Deno.test("CLI: graph, entity, taxonomy, agents, standard and session-start commands", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/graph_cli.db`;
  const cli = (args: string[]) => runCli([...args, "--db", db, "--json"]);
  let runs = 0;
  const counted = async (args: string[]) => {
    runs++;
    return await cli(args);
  };
  let oldPlan: Memory;
  let newPlan: Memory;
  let standard: Memory;

  await t.step("store, link -r supersedes, links, kg query, kg timeline", async () => {
    const stored = await Promise.all([
      counted(["store", "-T", "Old plan", "-c", "the heron plan, first cut", "-n", "cli/a"]),
      counted(["store", "-T", "New plan", "-c", "the heron plan, second cut", "-n", "cli/a/b"]),
      counted(["store", "-T", "CLI standard", "-c", "always write tests", "-n", "cli", "-t", "long"]),
    ]);
    [oldPlan, newPlan, standard] = stored.map((r, i) => json<StoreResult>(r, `store ${i}`).memory) as [
      Memory,
      Memory,
      Memory,
    ];

    const linked = json<LinkResult>(
      await counted(["link", newPlan.id, oldPlan.id.slice(0, 8), "-r", "supersedes"]),
      "link",
    );
    assert.equal(linked.created, true);
    assert.equal(linked.link.source_id, newPlan.id);
    assert.equal(linked.link.target_id, oldPlan.id, "a prefix on the command line resolves");
    assert.equal(linked.link.relation, "supersedes");
    assert.equal(linked.link.valid_until, null);

    const links = json<LinksResult>(await counted(["links", oldPlan.id]), "links");
    assert.equal(links.count, 1);
    assert.deepEqual(links.links, [linked.link]);

    const kg = json<KgResult>(await counted(["kg", "query", newPlan.id, "--max-depth", "3"]), "kg query");
    assert.deepEqual(kg.results.map((r) => [r.target_id, r.depth, r.relation, r.path]), [
      [oldPlan.id, 1, "supersedes", `${newPlan.id}->${oldPlan.id}`],
    ]);
    const tl = json<TimelineResult>(await counted(["kg", "timeline", newPlan.id]), "kg timeline");
    assert.deepEqual(tl.links, [linked.link]);
  });

  await t.step(
    "recall leaves the superseded plan out; --include-superseded and get show it; kg invalidate",
    async () => {
      const [plain, withOld, got] = await Promise.all([
        counted(["recall", "heron"]),
        counted(["recall", "heron", "--include-superseded"]),
        counted(["get", oldPlan.id]),
      ]);
      assert.deepEqual(json<RecallResult>(plain, "recall").memories.map((m) => m.id), [newPlan.id]);
      sameSet(json<RecallResult>(withOld, "recall --include-superseded").memories.map((m) => m.id), [
        newPlan.id,
        oldPlan.id,
      ], { what: "--include-superseded" });
      assert.deepEqual(json<GetResult>(got, "get").superseded_by, [newPlan.id]);

      const inv = json<InvalidateResult>(
        await counted(["kg", "invalidate", newPlan.id, oldPlan.id, "supersedes"]),
        "kg invalidate",
      );
      assert.equal(inv.previous_valid_until, null);
      assert.ok(
        inv.link.valid_until !== null && Math.abs(Date.parse(inv.link.valid_until) - Date.now()) < 30_000,
      );
    },
  );

  await t.step("entity register/get, taxonomy, agents register/list and recall --as-agent", async () => {
    const entity = json<EntityResult>(
      await counted(["entity", "register", "José Núñez", "-n", "people", "--aliases", "Pepe,El Jefe"]),
      "entity register",
    );
    assert.equal(entity.created, true);
    sameSet(entity.aliases, ["José Núñez", "Pepe", "El Jefe"], { what: "canonical name and both aliases" });

    const [found, tax, agent] = await Promise.all([
      counted(["entity", "get", "JOSÉ NÚÑEZ"]),
      counted(["taxonomy", "-n", "cli"]),
      counted(["agents", "register", "--agent-id", "x", "--agent-type", "human", "--namespace", "cli/a"]),
    ]);
    const byAlias = json<AliasResult>(found, "entity get");
    assert.equal(byAlias.entity_id, entity.entity_id);
    assert.equal(byAlias.canonical_name, "José Núñez");

    assert.deepEqual(json<TaxonomyResult>(tax, "taxonomy").namespaces, [
      { namespace: "cli", depth: 1, count: 1, subtree_count: 3 },
      { namespace: "cli/a", depth: 2, count: 1, subtree_count: 2 },
      { namespace: "cli/a/b", depth: 3, count: 1, subtree_count: 1 },
    ]);

    const registered = json<AgentResult>(agent, "agents register");
    assert.equal(registered.created, true);
    assert.equal(registered.agent.agent_id, "x");
    assert.equal(registered.agent.agent_type, "human");
    assert.equal(registered.agent.namespace, "cli/a");

    const [agents, asX] = await Promise.all([
      counted(["agents", "list"]),
      counted(["recall", "heron", "--as-agent", "x"]),
    ]);
    assert.deepEqual(json<AgentsResult>(agents, "agents list").agents.map((a) => a.agent_id), ["x"]);
    assert.deepEqual(
      json<RecallResult>(asX, "recall --as-agent").memories.map((m) => m.id),
      [oldPlan.id],
      "agent x at cli/a sees the private memory of cli/a (back after the invalidation), not cli/a/b's",
    );
  });

  await t.step("standard set/get --inherit/clear and session-start -n", async () => {
    const set = json<SetStandardResult>(
      await counted(["standard", "set", "cli/a", standard.id]),
      "standard set",
    );
    assert.deepEqual(set, {
      namespace: "cli/a",
      standard_id: standard.id,
      parent_namespace: null,
      governance: null,
    });

    const [got, session] = await Promise.all([
      counted(["standard", "get", "cli/a/b", "--inherit"]),
      counted(["session-start", "-n", "cli/a"]),
    ]);
    const chain = json<GetStandardResult>(got, "standard get --inherit");
    assert.equal(chain.standard, null);
    assert.deepEqual(chain.chain, [
      { namespace: "cli/a", id: standard.id, title: "CLI standard", content: "always write tests" },
    ]);
    const started = json<SessionResult>(session, "session-start");
    assert.deepEqual(started.standards.map((s) => s.id), [standard.id]);
    assert.deepEqual(started.memories.map((m) => m.id), [oldPlan.id], "the top memories of cli/a");

    const cleared = json<ClearStandardResult>(
      await counted(["standard", "clear", "cli/a"]),
      "standard clear",
    );
    assert.deepEqual(cleared, { namespace: "cli/a", cleared: true, previous_id: standard.id });
  });

  await t.step("bad input exits 2 naming the field; a missing id exits 1 naming it", async () => {
    const missing = "00000000-dead-4bad-8bad-000000000000";
    const [depth, self, agentType, entityNs, toMissing] = await Promise.all([
      counted(["kg", "query", oldPlan.id, "--max-depth", "6"]),
      counted(["link", oldPlan.id, oldPlan.id]),
      counted(["agents", "register", "--agent-id", "y", "--agent-type", "robot"]),
      counted(["entity", "register", "Someone", "-n", "a//b"]),
      counted(["link", oldPlan.id, missing]),
    ]);
    refused(depth, "kg query --max-depth 6", { mentions: ["max_depth", "between 1 and 5"] });
    refused(self, "self link", { mentions: ["target_id", "must differ from source_id"] });
    refused(agentType, "agents register --agent-type robot", { mentions: ["agent_type"] });
    refused(entityNs, "entity register -n a//b", { mentions: ["namespace"] });
    refused(toMissing, "link to a missing id", { code: 1, mentions: ["not_found", missing] });
    assert.ok(runs <= 27, `CLI runs kept small (${runs})`);
  });
});

Deno.test("MCP: every graph, namespace, entity, agent and session tool once, errors as isError", async (t) => {
  const dir = await tempDataDir();
  const client = await connectMcp(`${dir}/graph_mcp.db`);
  const mcp = mcpCalls(client);
  try {
    // listTools makes the client validate every structuredContent against the tool's outputSchema.
    const { tools } = await client.listTools() as { tools: { name: string }[] };
    for (const name of GRAPH_OPERATIONS) {
      assert.ok(tools.some((tool) => tool.name === name), `${name} is listed`);
    }
    const store = async (title: string, namespace: string, content: string) =>
      (await mcp.ok<StoreResult>("memory_store", { title, namespace, content })).memory;
    const oldPlan = await store("Old plan", "mcp/a", "the ibis plan, first cut");
    const newPlan = await store("New plan", "mcp/a/b", "the ibis plan, second cut");
    const standard = await store("MCP standard", "mcp", "review every change");

    await t.step("agents, links, kg query/timeline, supersedes in recall and get", async () => {
      const agent = await mcp.ok<AgentResult>("memory_agent_register", {
        agent_id: "mcp-agent",
        agent_type: "ai:claude-opus-4.7",
        capabilities: ["recall", "store"],
        namespace: "mcp/a",
      });
      assert.equal(agent.created, true);
      assert.deepEqual(agent.agent.capabilities, ["recall", "store"]);
      const agents = await mcp.ok<AgentsResult>("memory_agent_list");
      assert.deepEqual(agents.agents.map((a) => [a.agent_id, a.namespace]), [["mcp-agent", "mcp/a"]]);
      assert.equal(agents.count, 1);

      const linked = await mcp.ok<LinkResult>("memory_link", {
        source_id: newPlan.id,
        target_id: oldPlan.id,
        relation: "supersedes",
      });
      assert.equal(linked.created, true);
      assert.equal(linked.link.observed_by, CLIENT_ACTOR, "the MCP client observed the link");
      const links = await mcp.ok<LinksResult>("memory_get_links", { id: oldPlan.id });
      assert.deepEqual(links.links, [linked.link]);
      const kg = await mcp.ok<KgResult>("memory_kg_query", { source_id: newPlan.id, max_depth: 2 });
      assert.deepEqual(kg.results.map((r) => [r.target_id, r.title, r.target_namespace, r.depth]), [
        [oldPlan.id, "Old plan", "mcp/a", 1],
      ]);
      const tl = await mcp.ok<TimelineResult>("memory_kg_timeline", { source_id: newPlan.id });
      assert.deepEqual(tl.links, [linked.link]);

      const recall = await mcp.ok<RecallResult>("memory_recall", {
        context: "ibis",
        namespace: "mcp/a/b",
      });
      assert.deepEqual(recall.memories.map((m) => m.id), [newPlan.id], "the superseded plan is left out");
      const all = await mcp.ok<RecallResult>("memory_recall", {
        context: "ibis",
        namespace: "mcp/a/b",
        include_superseded: true,
      });
      assert.deepEqual(all.memories.map((m) => m.id), [newPlan.id, oldPlan.id], "nearest namespace first");
      const got = await mcp.ok<GetResult>("memory_get", { id: oldPlan.id });
      assert.deepEqual(got.superseded_by, [newPlan.id]);
      assert.deepEqual(got.links, [linked.link]);

      const inv = await mcp.ok<InvalidateResult>("memory_kg_invalidate", {
        source_id: newPlan.id,
        target_id: oldPlan.id,
        relation: "supersedes",
      });
      assert.equal(inv.previous_valid_until, null);
      assert.notEqual(inv.link.valid_until, null);
    });

    await t.step("as_agent on search and list; entities; taxonomy", async () => {
      const search = await mcp.ok<SearchResult>("memory_search", {
        query: "ibis",
        as_agent: "mcp-agent",
      });
      assert.deepEqual(
        search.memories.map((m) => m.id),
        [oldPlan.id],
        "private memories of its own namespace",
      );
      const list = await mcp.ok<ListResult>("memory_list", { as_agent: "mcp/a/b", format: "json" });
      assert.deepEqual(list.memories.map((m) => m.id), [newPlan.id], "a raw namespace position");

      const entity = await mcp.ok<EntityResult>("memory_entity_register", {
        canonical_name: "Zoë Ångström",
        namespace: "mcp/people",
        aliases: ["Zoe"],
      });
      assert.equal(entity.created, true);
      assert.equal(entity.entity.agent_id, CLIENT_ACTOR);
      const found = await mcp.ok<AliasResult>("memory_entity_get_by_alias", { alias: "zoe angstrom" });
      assert.equal(found.entity_id, entity.entity_id);
      sameSet(found.aliases, ["Zoë Ångström", "Zoe"], { what: "aliases" });

      const tax = await mcp.ok<TaxonomyResult>("memory_get_taxonomy", { namespace_prefix: "mcp" });
      assert.deepEqual(tax.namespaces.map((n) => [n.namespace, n.count, n.subtree_count]), [
        ["mcp", 1, 4],
        ["mcp/a", 1, 2],
        ["mcp/a/b", 1, 1],
        ["mcp/people", 1, 1],
      ]);
      assert.equal(tax.total_count, 4);
      assert.equal(tax.truncated, false);
    });

    await t.step("standards and session start", async () => {
      const set = await mcp.ok<SetStandardResult>("memory_namespace_set_standard", {
        namespace: "mcp/a",
        id: standard.id,
      });
      assert.deepEqual(set, {
        namespace: "mcp/a",
        standard_id: standard.id,
        parent_namespace: null,
        governance: null,
      });
      const got = await mcp.ok<GetStandardResult>("memory_namespace_get_standard", {
        namespace: "mcp/a/b",
        inherit: true,
      });
      assert.equal(got.standard, null);
      assert.deepEqual(got.chain?.map((s) => [s.namespace, s.id]), [["mcp/a", standard.id]]);
      const session = await mcp.ok<SessionResult>("memory_session_start", {
        namespace: "mcp/a",
        format: "json",
      });
      assert.deepEqual(session.standards.map((s) => s.id), [standard.id]);
      assert.deepEqual(session.memories.map((m) => m.id), [oldPlan.id]);
      assert.equal(session.count, 1);
      const cleared = await mcp.ok<ClearStandardResult>("memory_namespace_clear_standard", {
        namespace: "mcp/a",
      });
      assert.deepEqual(cleared, { namespace: "mcp/a", cleared: true, previous_id: standard.id });
    });

    await t.step("errors are isError results naming the field or the id", async () => {
      const missing = "00000000-dead-4bad-8bad-000000000000";
      await mcp.fails("memory_link", { source_id: oldPlan.id, target_id: missing }, {
        mentions: ["not_found", missing],
      });
      await mcp.fails("memory_link", { source_id: oldPlan.id, target_id: oldPlan.id }, {
        mentions: ["target_id"],
      });
      await mcp.fails("memory_kg_query", { source_id: oldPlan.id, max_depth: 6 }, {
        mentions: ["max_depth"],
      });
      await mcp.fails("memory_entity_get_by_alias", { alias: "nobody at all" }, {
        mentions: ["not_found", "nobody at all"],
      });
      await mcp.fails("memory_recall", { context: "ibis", as_agent: "bad ns" }, { mentions: ["as_agent"] });
      await mcp.fails("memory_kg_invalidate", {
        source_id: oldPlan.id,
        target_id: newPlan.id,
        relation: "supersedes",
      }, { mentions: ["not_found"] });
      await mcp.fails("memory_namespace_set_standard", { namespace: "a//b", id: standard.id }, {
        mentions: ["namespace"],
      });
    });
  } finally {
    await client.close();
  }
});
