// End-to-end tests of the knowledge graph, hierarchical namespaces, standards, entities, agents and
// as_agent visibility over HTTP: one real `ai-memory serve` subprocess on an ephemeral loopback
// port, driven by fetch. Every case is a step of one test so the server starts once; each step
// works in its own namespaces and with its own words so steps never see each other's memories.
import assert from "node:assert/strict";
import { assertInvalid } from "../support/http_assertions.ts";
import { type ErrorBody, type HttpClient, httpClient, qs, type Reply } from "../support/http_client.ts";
import { sameSet } from "../support/id_sets.ts";
import { startServer, tempDataDir } from "../support/processes.ts";
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
  TaxonomyResult,
  TimelineResult,
} from "../support/results.ts";
import { DAY_MS, HOUR_MS, iso, sleep } from "../support/time.ts";

type Link = LinkResult["link"];

/** Requests to the server under test, set once it listens. */
let api: HttpClient["api"];
let ok: HttpClient["ok"];
let created: HttpClient["created"];

async function link(
  source: string,
  target: string,
  extra: Record<string, unknown> = {},
  agent = "graph-writer",
): Promise<Link> {
  const r = await ok<LinkResult>("POST", "/api/v1/links", {
    json: { source_id: source, target_id: target, ...extra },
    agent,
    status: 201,
  });
  assert.equal(r.created, true, "a new triple is created");
  return r.link;
}

async function kg(body: Record<string, unknown>): Promise<KgResult> {
  return await ok<KgResult>("POST", "/api/v1/kg/query", { json: body });
}

async function recallIds(params: Record<string, string | number | boolean>): Promise<string[]> {
  const r = await ok<RecallResult>("GET", "/api/v1/recall" + qs({ limit: 50, ...params }));
  return r.memories.map((m) => m.id);
}

/** A 404 not_found whose message names `mention`. */
function assertNotFound(reply: Reply<unknown>, mention: string): void {
  const shown = JSON.stringify(reply.body).slice(0, 600);
  assert.equal(reply.status, 404, shown);
  const { error } = reply.body as ErrorBody;
  assert.equal(error.code, "not_found", shown);
  assert.ok(error.message.includes(mention), `message does not name "${mention}": ${error.message}`);
}

const tripleOf = (l: { source_id: string; target_id: string; relation: string }) =>
  `${l.source_id}|${l.target_id}|${l.relation}`;

Deno.test("HTTP: knowledge graph, namespaces, standards, entities, agents and visibility", async (t) => {
  const dir = await tempDataDir();
  const server = await startServer(`${dir}/graph_http.db`);
  ({ api, ok, created } = httpClient(server.url));
  try {
    await t.step(
      "namespaces: 8 levels are accepted; 9 levels and malformed paths are 400 naming namespace",
      async () => {
        const deep = await created({
          title: "Deepest",
          content: "eight levels",
          namespace: "n1/b/c/d/e/f/g/h",
        });
        assert.equal(deep.namespace, "n1/b/c/d/e/f/g/h");
        const nine = await api("POST", "/api/v1/memories", {
          json: { title: "Too deep", content: "nine", namespace: "n1/b/c/d/e/f/g/h/i" },
        });
        assertInvalid(nine, "namespace", { mentions: ["at most 8 levels"] });
        for (const bad of ["n1//b", "/n1", "n1/", "n1/../b", "n1/ b"]) {
          assertInvalid(
            await api("POST", "/api/v1/memories", { json: { title: "Bad", content: "bad", namespace: bad } }),
            "namespace",
          );
        }
        assertInvalid(
          await api("GET", "/api/v1/recall" + qs({ context: "x", namespace: "n1//b" })),
          "namespace",
        );
      },
    );

    await t.step(
      "recall in a namespace sees it and its ancestors only, nearest first by the proximity boost",
      async () => {
        // Same content and same title length: equal relevance, so only the boost orders them.
        const top = await created({ title: "Prox 1", content: "the quokka lives here", namespace: "prox" });
        const mid = await created({ title: "Prox 2", content: "the quokka lives here", namespace: "prox/b" });
        const leaf = await created({
          title: "Prox 3",
          content: "the quokka lives here",
          namespace: "prox/b/c",
        });
        const child = await created({
          title: "Prox 4",
          content: "the quokka lives here",
          namespace: "prox/b/c/d",
        });
        const sibling = await created({
          title: "Prox 5",
          content: "the quokka lives here",
          namespace: "prox/z",
        });
        const lookalike = await created({
          title: "Prox 6",
          content: "the quokka lives here",
          namespace: "proxy",
        });

        const r = await ok<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "quokka", namespace: "prox/b/c" }),
        );
        assert.deepEqual(
          r.memories.map((m) => m.id),
          [leaf.id, mid.id, top.id],
          "itself, parent, grandparent",
        );
        const [s0, s1, s2] = r.memories.map((m) => m.score) as [number, number, number];
        assert.ok(Math.abs(s1 / s0 - 1 / 1.3) < 0.01, `one level up scores 1/1.3 of the nearest: ${s1 / s0}`);
        assert.ok(
          Math.abs(s2 / s0 - 1 / 1.6) < 0.01,
          `two levels up scores 1/1.6 of the nearest: ${s2 / s0}`,
        );

        sameSet(await recallIds({ context: "quokka", namespace: "prox" }), [top.id], {
          what: "a top-level namespace sees itself",
        });
        sameSet(await recallIds({ context: "quokka" }), [
          top.id,
          mid.id,
          leaf.id,
          child.id,
          sibling.id,
          lookalike.id,
        ], { what: "no namespace: everything" });
        sameSet(await recallIds({ context: "quokka", namespace: "prox/b/c/d/e" }), [
          child.id,
          leaf.id,
          mid.id,
          top.id,
        ], { what: "a namespace with no memories of its own still sees its ancestors" });
      },
    );

    await t.step(
      "agents: register is idempotent (created false, registered_at kept), list shows them by id",
      async () => {
        const first = await ok<AgentResult>("POST", "/api/v1/agents", {
          json: { agent_id: "zz-agent:b", agent_type: "human", namespace: "org/team" },
          status: 201,
        });
        assert.equal(first.created, true);
        assert.deepEqual(
          { ...first.agent, registered_at: "", last_seen_at: "" },
          {
            agent_id: "zz-agent:b",
            agent_type: "human",
            capabilities: [],
            namespace: "org/team",
            registered_at: "",
            last_seen_at: "",
          },
        );
        await sleep(5);
        const again = await api<AgentResult>("POST", "/api/v1/agents", {
          json: {
            agent_id: "zz-agent:b",
            agent_type: "ai:claude-opus-4.7",
            capabilities: ["recall"],
            namespace: "org/team2",
          },
        });
        assert.ok(again.status === 200 || again.status === 201, JSON.stringify(again.body));
        assert.equal(again.body.created, false);
        assert.equal(again.body.agent.registered_at, first.agent.registered_at, "registered_at is kept");
        assert.ok(again.body.agent.last_seen_at > first.agent.last_seen_at, "last_seen_at moves forward");
        assert.equal(again.body.agent.namespace, "org/team2");
        assert.deepEqual(again.body.agent.capabilities, ["recall"]);
        await ok<AgentResult>("POST", "/api/v1/agents", {
          json: { agent_id: "zz-agent:a", agent_type: "system" },
          status: 201,
        });

        const list = await ok<AgentsResult>("GET", "/api/v1/agents");
        const mine = list.agents.filter((a) => a.agent_id.startsWith("zz-agent:"));
        assert.deepEqual(mine.map((a) => a.agent_id), ["zz-agent:a", "zz-agent:b"], "ordered by id");
        assert.equal(mine[0]!.namespace, null);
        assert.equal(mine[1]!.agent_type, "ai:claude-opus-4.7");
        assert.equal(list.count, list.agents.length);

        assertInvalid(
          await api("POST", "/api/v1/agents", { json: { agent_id: "x1", agent_type: "robot" } }),
          "agent_type",
          { mentions: ["ai:<name>"] },
        );
        assertInvalid(
          await api("POST", "/api/v1/agents", { json: { agent_id: "has space", agent_type: "human" } }),
          "agent_id",
        );
        assertInvalid(
          await api("POST", "/api/v1/agents", {
            json: { agent_id: "x2", agent_type: "human", namespace: "a/b/c/d/e/f/g/h/i" },
          }),
          "namespace",
          { mentions: ["at most 8 levels"] },
        );
      },
    );

    await t.step(
      "link: created with defaults, the same triple again is the same link, both ends see it",
      async () => {
        const a = await created({ title: "Link A", content: "link source", namespace: "lnk" });
        const b = await created({ title: "Link B", content: "link target", namespace: "lnk" });
        const before = Date.now();
        const l = await link(a.id, b.id.slice(0, 8));
        assert.equal(l.source_id, a.id);
        assert.equal(l.target_id, b.id, "an id prefix resolves to the full id");
        assert.equal(l.relation, "related_to", "default relation");
        assert.equal(l.valid_until, null);
        assert.equal(l.observed_by, "graph-writer", "X-Agent-Id observed the link");
        assert.equal(l.valid_from, l.created_at, "valid from its creation");
        assert.ok(Math.abs(Date.parse(l.valid_from) - before) < 5_000, l.valid_from);

        const again = await api<LinkResult>("POST", "/api/v1/links", {
          json: { source_id: a.id, target_id: b.id, relation: "related_to" },
        });
        assert.ok(again.status === 200 || again.status === 201, JSON.stringify(again.body));
        assert.equal(again.body.created, false);
        assert.deepEqual(again.body.link, l, "the existing link is returned unchanged");

        await sleep(5); // a later valid_from, so "oldest first" is well defined
        const other = await link(a.id, b.id, { relation: "contradicts" });
        assert.equal(other.relation, "contradicts", "another relation between the same pair is another link");

        for (const id of [a.id, b.id]) {
          const links = await ok<LinksResult>("GET", `/api/v1/links/${id}`);
          assert.equal(links.id, id);
          assert.deepEqual(
            links.links.map(tripleOf),
            [tripleOf(l), tripleOf(other)],
            "both directions, oldest first",
          );
          assert.equal(links.count, 2);
          const got = await ok<GetResult>("GET", `/api/v1/memories/${id}`);
          assert.deepEqual(got.links, links.links, "memory_get carries the same links");
        }
        const byPrefix = await ok<LinksResult>("GET", `/api/v1/links/${a.id.slice(0, 8)}`);
        assert.equal(byPrefix.id, a.id);
      },
    );

    await t.step(
      "link errors: a missing id is 404 naming it, a self-link and bad fields are 400 naming the field",
      async () => {
        const a = await created({ title: "Err A", content: "error source", namespace: "lnkerr" });
        const b = await created({ title: "Err B", content: "error target", namespace: "lnkerr" });
        const missing = "00000000-dead-4bad-8bad-000000000000";
        const toMissing = await api("POST", "/api/v1/links", {
          json: { source_id: a.id, target_id: missing },
        });
        assertNotFound(toMissing, missing);
        assert.equal((toMissing.body as ErrorBody).error.details.id, missing);
        assertNotFound(
          await api("POST", "/api/v1/links", { json: { source_id: missing, target_id: b.id } }),
          missing,
        );
        assertInvalid(
          await api("POST", "/api/v1/links", { json: { source_id: a.id, target_id: a.id } }),
          "target_id",
          { mentions: ["must differ from source_id"] },
        );
        assertInvalid(
          await api("POST", "/api/v1/links", { json: { source_id: a.id, target_id: a.id.slice(0, 10) } }),
          "target_id",
          { mentions: ["must differ from source_id"] },
        );
        assertInvalid(
          await api("POST", "/api/v1/links", {
            json: { source_id: a.id, target_id: b.id, relation: "likes" },
          }),
          "relation",
          { mentions: ["related_to, supersedes, contradicts, derived_from"] },
        );
        assertInvalid(
          await api("POST", "/api/v1/links", {
            json: {
              source_id: a.id,
              target_id: b.id,
              valid_from: iso(Date.now()),
              valid_until: iso(Date.now() - HOUR_MS),
            },
          }),
          "valid_until",
        );
        assertInvalid(
          await api("POST", "/api/v1/links", {
            json: { source_id: a.id, target_id: b.id, valid_from: "yesterday" },
          }),
          "valid_from",
          { mentions: ["RFC 3339"] },
        );
        assertInvalid(await api("POST", "/api/v1/links", { json: { target_id: b.id } }), "source_id");
        assertNotFound(await api("GET", `/api/v1/links/${missing}`), missing);
        const nothing = await ok<LinksResult>("GET", `/api/v1/links/${a.id}`);
        assert.equal(nothing.count, 0, "failed links left nothing behind");
      },
    );

    await t.step(
      "kg_query as of a time: links are followed only inside their validity; kg_timeline orders by valid_from",
      async () => {
        const ns = "asof";
        const [a, b, c, d, e] = await Promise.all(
          ["A", "B", "C", "D", "E"].map((n) =>
            created({ title: `Asof ${n}`, content: `node ${n}`, namespace: ns })
          ),
        ) as [Memory, Memory, Memory, Memory, Memory];
        const now = Date.now();
        const t0 = iso(now - 3 * HOUR_MS);
        const tE = iso(now - 2 * HOUR_MS);
        const T = iso(now - HOUR_MS);
        const eEnds = iso(now + HOUR_MS);
        const future = iso(now + DAY_MS);
        await link(a.id, b.id, { valid_from: t0 });
        await link(b.id, c.id, { valid_from: t0, relation: "derived_from" });
        const inv = await ok<InvalidateResult>("POST", "/api/v1/kg/invalidate", {
          json: { source_id: b.id, target_id: c.id, relation: "derived_from", valid_until: T },
        });
        assert.equal(inv.previous_valid_until, null);
        assert.equal(inv.link.valid_until, T);
        await link(a.id, e.id, { valid_from: tE, valid_until: eEnds });
        const dLink = await link(a.id, d.id, { valid_from: future });
        assert.equal(dLink.valid_from, future, "a valid_from in the future is kept");

        const targets = async (validAt?: string) =>
          (await kg({ source_id: a.id, max_depth: 2, ...(validAt ? { valid_at: validAt } : {}) })).results
            .map((r) => r.target_id);
        assert.deepEqual(
          await targets(iso(now - 90 * 60_000)),
          [b.id, e.id, c.id],
          "before T: B->C still valid",
        );
        assert.deepEqual(
          await targets(iso(now - 30 * 60_000)),
          [b.id, e.id],
          "after T: B->C is no longer followed",
        );
        assert.deepEqual(await targets(T), [b.id, e.id], "valid_until is exclusive");
        assert.deepEqual(await targets(iso(now - 4 * HOUR_MS)), [], "before every valid_from: nothing");
        assert.deepEqual(await targets(iso(now + 2 * HOUR_MS)), [b.id], "after E's end; D not yet valid");
        assert.deepEqual(await targets(iso(now + 2 * DAY_MS)), [b.id, d.id], "D valid in the future");
        // The same instant with an offset instead of Z.
        const offset = new Date(now - 90 * 60_000 + 2 * HOUR_MS).toISOString().replace("Z", "+02:00");
        assert.deepEqual(await targets(offset), [b.id, e.id, c.id], "valid_at with a +02:00 offset");
        const all = await kg({ source_id: a.id, max_depth: 2 });
        assert.deepEqual(
          all.results.map((r) => [r.target_id, r.depth, r.path]),
          [
            [b.id, 1, `${a.id}->${b.id}`],
            [e.id, 1, `${a.id}->${e.id}`],
            [d.id, 1, `${a.id}->${d.id}`],
            [c.id, 2, `${a.id}->${b.id}->${c.id}`],
          ],
          "without valid_at every live link is followed, nearest first then by valid_from",
        );
        const cRow = all.results.find((r) => r.target_id === c.id)!;
        assert.equal(cRow.valid_until, T, "the last hop's validity");
        assert.equal(cRow.relation, "derived_from");
        assert.equal(cRow.title, "Asof C");
        assert.equal(cRow.target_namespace, ns);
        assert.equal(cRow.observed_by, "graph-writer");
        assert.equal(all.count, 4);
        assertInvalid(
          await api("POST", "/api/v1/kg/query", { json: { source_id: a.id, valid_at: "soon" } }),
          "valid_at",
        );

        const timeline = async (params: Record<string, string | number> = {}) =>
          await ok<TimelineResult>("GET", "/api/v1/kg/timeline" + qs({ source_id: a.id, ...params }));
        const tl = await timeline();
        assert.equal(tl.source_id, a.id);
        assert.deepEqual(tl.links.map((l) => l.target_id), [b.id, e.id, d.id], "oldest valid_from first");
        assert.deepEqual(tl.links.map((l) => l.valid_from), [t0, tE, future]);
        assert.equal(tl.count, 3);
        assert.deepEqual((await timeline({ since: tE })).links.map((l) => l.target_id), [e.id, d.id]);
        assert.deepEqual((await timeline({ until: iso(now) })).links.map((l) => l.target_id), [b.id, e.id]);
        assert.deepEqual((await timeline({ limit: 1 })).links.map((l) => l.target_id), [b.id]);
        const tlB = await ok<TimelineResult>("GET", "/api/v1/kg/timeline" + qs({ source_id: b.id }));
        assert.deepEqual(
          tlB.links.map((l) => [l.target_id, l.valid_until]),
          [[c.id, T]],
          "invalidated links stay",
        );
        assertInvalid(await api("GET", "/api/v1/kg/timeline" + qs({ source_id: a.id, limit: 0 })), "limit");
        assertInvalid(await api("GET", "/api/v1/kg/timeline"), "source_id");
        assertNotFound(
          await api("GET", "/api/v1/kg/timeline" + qs({ source_id: "no-such-memory" })),
          "no-such-memory",
        );
      },
    );

    await t.step("kg_query is cycle-safe: A->B->A terminates and no path repeats a node", async () => {
      const [x, y, z] = await Promise.all(
        ["X", "Y", "Z"].map((n) => created({ title: `Cycle ${n}`, content: `cycle ${n}`, namespace: "cyc" })),
      ) as [Memory, Memory, Memory];
      await link(x.id, y.id);
      await link(y.id, x.id);
      await link(y.id, z.id);
      await link(z.id, x.id);
      await link(z.id, y.id);
      await link(x.id, z.id);
      for (const source of [x, y, z]) {
        const r = await kg({ source_id: source.id, max_depth: 5 });
        for (const row of r.results) {
          const path = row.path.split("->");
          assert.equal(new Set(path).size, path.length, `no repeated node in ${row.path}`);
          assert.equal(path[0], source.id);
          assert.equal(path.at(-1), row.target_id);
          assert.equal(row.depth, path.length - 1);
          assert.notEqual(row.target_id, source.id, "never back to the source");
        }
        assert.equal(r.count, 4, "two one-hop and two two-hop simple paths in a 3-node clique");
      }
      const fromX = await kg({ source_id: x.id, max_depth: 5 });
      sameSet(fromX.results.map((r) => r.path), [
        `${x.id}->${y.id}`,
        `${x.id}->${z.id}`,
        `${x.id}->${y.id}->${z.id}`,
        `${x.id}->${z.id}->${y.id}`,
      ], { what: "every simple path from X" });
    });

    await t.step(
      "kg_query depth 1-5 reaches exactly that far; 6 and 0 are 400 naming max_depth; limit and allowed_agents",
      async () => {
        const chain: Memory[] = [];
        for (let i = 0; i <= 6; i++) {
          chain.push(await created({ title: `Chain ${i}`, content: `chain node ${i}`, namespace: "chain" }));
        }
        for (let i = 0; i < 6; i++) await link(chain[i]!.id, chain[i + 1]!.id, {}, "chain-writer");
        const ids = chain.map((m) => m.id);
        for (let depth = 1; depth <= 5; depth++) {
          const r = await kg({ source_id: ids[0], max_depth: depth });
          assert.equal(r.count, depth, `depth ${depth}`);
          r.results.forEach((row, i) => {
            assert.equal(row.depth, i + 1);
            assert.equal(row.target_id, ids[i + 1]);
            assert.equal(row.path, ids.slice(0, i + 2).join("->"));
          });
        }
        const byDefault = await kg({ source_id: ids[0] });
        assert.deepEqual(byDefault.results.map((r) => r.target_id), [ids[1]], "default depth is 1");
        assertInvalid(
          await api("POST", "/api/v1/kg/query", { json: { source_id: ids[0], max_depth: 6 } }),
          "max_depth",
          { mentions: ["between 1 and 5"] },
        );
        assertInvalid(
          await api("POST", "/api/v1/kg/query", { json: { source_id: ids[0], max_depth: 0 } }),
          "max_depth",
          { mentions: ["between 1 and 5"] },
        );
        assertInvalid(
          await api("POST", "/api/v1/kg/query", { json: { source_id: ids[0], max_depth: 2.5 } }),
          "max_depth",
        );

        const limited = await kg({ source_id: ids[0], max_depth: 5, limit: 3 });
        assert.deepEqual(limited.results.map((r) => r.target_id), ids.slice(1, 4), "the nearest 3");
        assert.equal(limited.count, 3);
        assertInvalid(
          await api("POST", "/api/v1/kg/query", { json: { source_id: ids[0], limit: 0 } }),
          "limit",
        );
        assertInvalid(
          await api("POST", "/api/v1/kg/query", { json: { source_id: ids[0], limit: 1001 } }),
          "limit",
        );

        const writer = await kg({ source_id: ids[0], max_depth: 5, allowed_agents: ["chain-writer"] });
        assert.equal(writer.count, 5);
        assert.ok(writer.results.every((r) => r.observed_by === "chain-writer"));
        assert.equal(
          (await kg({ source_id: ids[0], max_depth: 5, allowed_agents: ["someone-else"] })).count,
          0,
        );
        assert.equal(
          (await kg({ source_id: ids[0], max_depth: 5, allowed_agents: [] })).count,
          0,
          "empty list follows none",
        );
        assertNotFound(
          await api("POST", "/api/v1/kg/query", { json: { source_id: "no-such-memory" } }),
          "no-such-memory",
        );
      },
    );

    await t.step(
      "kg_invalidate with the same valid_until twice returns the previous value and leaves the same state",
      async () => {
        const a = await created({ title: "Inv A", content: "invalidate a", namespace: "inv" });
        const b = await created({ title: "Inv B", content: "invalidate b", namespace: "inv" });
        const from = iso(Date.now() - 2 * HOUR_MS);
        const end = iso(Date.now() - HOUR_MS);
        const original = await link(a.id, b.id, { valid_from: from, relation: "contradicts" });
        const body = {
          source_id: a.id,
          target_id: b.id.slice(0, 8),
          relation: "contradicts",
          valid_until: end,
        };
        const first = await ok<InvalidateResult>("POST", "/api/v1/kg/invalidate", { json: body });
        assert.equal(first.previous_valid_until, null);
        assert.deepEqual(first.link, { ...original, valid_until: end });
        const second = await ok<InvalidateResult>("POST", "/api/v1/kg/invalidate", { json: body });
        assert.equal(second.previous_valid_until, end, "the previous value is reported");
        assert.deepEqual(second.link, first.link, "the state is unchanged");
        const links = await ok<LinksResult>("GET", `/api/v1/links/${a.id}`);
        assert.deepEqual(links.links, [first.link], "the link stays, with its end");
        assert.equal((await kg({ source_id: a.id, valid_at: iso(Date.now()) })).count, 0, "not valid now");
        assert.equal(
          (await kg({ source_id: a.id, valid_at: iso(Date.now() - 90 * 60_000) })).count,
          1,
          "valid before",
        );

        assertNotFound(
          await api("POST", "/api/v1/kg/invalidate", { json: { ...body, relation: "supersedes" } }),
          "supersedes link",
        );
        assertInvalid(
          await api("POST", "/api/v1/kg/invalidate", { json: { source_id: a.id, target_id: b.id } }),
          "relation",
        );
        assertInvalid(
          await api("POST", "/api/v1/kg/invalidate", {
            json: { ...body, valid_until: iso(Date.now() - 3 * HOUR_MS) },
          }),
          "valid_until",
          { mentions: ["before"] },
        );
        assertNotFound(
          await api("POST", "/api/v1/kg/invalidate", { json: { ...body, source_id: "no-such-memory" } }),
          "no-such-memory",
        );
        const after = await ok<LinksResult>("GET", `/api/v1/links/${a.id}`);
        assert.deepEqual(after.links, [first.link], "refused calls changed nothing");
      },
    );

    await t.step(
      "kg_invalidate with the default time twice: the second call reports and keeps the first end",
      async () => {
        const a = await created({
          title: "Inv default A",
          content: "invalidate default a",
          namespace: "invdef",
        });
        const b = await created({
          title: "Inv default B",
          content: "invalidate default b",
          namespace: "invdef",
        });
        await link(a.id, b.id);
        const body = { source_id: a.id, target_id: b.id, relation: "related_to" };
        const first = await ok<InvalidateResult>("POST", "/api/v1/kg/invalidate", { json: body });
        assert.equal(first.previous_valid_until, null);
        assert.ok(
          first.link.valid_until !== null &&
            Math.abs(Date.parse(first.link.valid_until) - Date.now()) < 5_000,
        );
        await sleep(20);
        const second = await ok<InvalidateResult>("POST", "/api/v1/kg/invalidate", { json: body });
        assert.equal(second.previous_valid_until, first.link.valid_until, "the previous value is reported");
        assert.deepEqual(
          second.link,
          first.link,
          "a retried invalidation (idempotentHint) must not move an already ended link's valid_until later",
        );
      },
    );

    await t.step(
      "deleting a memory tombstones its links: the other ends never show a dangling link",
      async () => {
        const [p, q, r] = await Promise.all(
          ["P", "Q", "R"].map((n) =>
            created({ title: `Del ${n}`, content: `delete ${n}`, namespace: "del" })
          ),
        ) as [Memory, Memory, Memory];
        await link(p.id, q.id);
        await link(r.id, p.id, { relation: "derived_from" });
        const qr = await link(q.id, r.id);
        assert.equal((await ok<LinksResult>("GET", `/api/v1/links/${q.id}`)).count, 2);
        assert.equal((await kg({ source_id: r.id, max_depth: 3 })).count, 2, "R->P and R->P->Q");

        await ok("DELETE", `/api/v1/memories/${p.id}`);
        for (const id of [q.id, r.id]) {
          const links = await ok<LinksResult>("GET", `/api/v1/links/${id}`);
          assert.deepEqual(links.links, [qr], `only Q->R is left around ${id}`);
          const got = await ok<GetResult>("GET", `/api/v1/memories/${id}`);
          assert.deepEqual(got.links, [qr]);
        }
        assert.deepEqual(
          (await kg({ source_id: r.id, max_depth: 3 })).results,
          [],
          "nothing reachable from R",
        );
        assert.deepEqual(
          (await kg({ source_id: q.id, max_depth: 3 })).results.map((x) => x.target_id),
          [r.id],
          "Q reaches R but not the deleted P",
        );
        const tl = await ok<TimelineResult>("GET", "/api/v1/kg/timeline" + qs({ source_id: r.id }));
        assert.equal(tl.count, 0);
        assertNotFound(await api("GET", `/api/v1/links/${p.id}`), p.id);
        assertNotFound(await api("POST", "/api/v1/kg/query", { json: { source_id: p.id } }), p.id);
        assertNotFound(
          await api("POST", "/api/v1/links", { json: { source_id: q.id, target_id: p.id } }),
          p.id,
        );
        assertNotFound(
          await api("POST", "/api/v1/kg/invalidate", {
            json: { source_id: p.id, target_id: q.id, relation: "related_to" },
          }),
          p.id,
        );
      },
    );

    await t.step(
      "supersedes: recall leaves the replaced memory out until the link ends; get names the successor",
      async () => {
        const old = await created({
          title: "Runbook v1",
          content: "the wombat rollout runbook, first edition",
          namespace: "sup",
        });
        const cur = await created({
          title: "Runbook v2",
          content: "the wombat rollout runbook, second edition",
          namespace: "sup",
        });
        const next = await created({
          title: "Runbook v3",
          content: "the wombat rollout runbook, third edition",
          namespace: "sup",
        });
        sameSet(await recallIds({ context: "wombat" }), [old.id, cur.id, next.id], {
          what: "nothing superseded yet",
        });

        await link(cur.id, old.id, { relation: "supersedes" });
        // A supersedes link that only becomes valid tomorrow replaces nothing today.
        await link(next.id, cur.id, { relation: "supersedes", valid_from: iso(Date.now() + DAY_MS) });
        sameSet(await recallIds({ context: "wombat" }), [cur.id, next.id], { what: "v1 is left out" });
        sameSet(await recallIds({ context: "wombat", namespace: "sup" }), [cur.id, next.id], {
          what: "also in its namespace",
        });
        sameSet(await recallIds({ context: "wombat", include_superseded: true }), [old.id, cur.id, next.id], {
          what: "include_superseded brings it back",
        });
        const posted = await ok<RecallResult>("POST", "/api/v1/recall", {
          json: { context: "wombat", include_superseded: true },
        });
        sameSet(posted.memories.map((m) => m.id), [old.id, cur.id, next.id], {
          what: "POST recall with include_superseded",
        });
        const postedDefault = await ok<RecallResult>("POST", "/api/v1/recall", {
          json: { context: "wombat" },
        });
        sameSet(postedDefault.memories.map((m) => m.id), [cur.id, next.id], {
          what: "POST recall leaves it out",
        });

        const gotOld = await ok<GetResult>("GET", `/api/v1/memories/${old.id}`);
        assert.deepEqual(gotOld.superseded_by, [cur.id], "get names the successor");
        assert.equal(gotOld.memory.id, old.id, "a superseded memory is still readable by id");
        const gotCur = await ok<GetResult>("GET", `/api/v1/memories/${cur.id}`);
        assert.deepEqual(gotCur.superseded_by, [], "a future supersedes link does not count yet");

        const inv = await ok<InvalidateResult>("POST", "/api/v1/kg/invalidate", {
          json: { source_id: cur.id, target_id: old.id, relation: "supersedes" },
        });
        assert.equal(inv.previous_valid_until, null);
        await sleep(5);
        sameSet(await recallIds({ context: "wombat" }), [old.id, cur.id, next.id], {
          what: "v1 is back after invalidation",
        });
        assert.deepEqual((await ok<GetResult>("GET", `/api/v1/memories/${old.id}`)).superseded_by, []);
      },
    );

    await t.step(
      "standards: global, explicit parent, ancestors and the namespace, outermost first; get/inherit, clear, delete",
      async () => {
        const std = async (title: string, ns: string) =>
          await created({ title, content: `standard text of ${title}`, namespace: ns, tier: "long" });
        const global = await std("Global standard", "stdlib");
        const corp = await std("Corp standard", "stdCorp");
        const top = await std("StdA standard", "stdA");
        const sub = await std("StdA-b standard", "stdA/b");
        await created({ title: "Work item", content: "the stdneedle task", namespace: "stdA/b/c" });

        const set = async (path: string, json: Record<string, unknown>) =>
          await ok<SetStandardResult>("POST", `/api/v1/namespaces/${path}/standard`, { json });
        assert.deepEqual(await set("*", { id: global.id }), {
          namespace: "*",
          standard_id: global.id,
          parent_namespace: null,
          governance: null,
        });
        await set("stdCorp", { id: corp.id });
        assert.deepEqual(await set("stdA", { id: top.id, parent: "stdCorp" }), {
          namespace: "stdA",
          standard_id: top.id,
          parent_namespace: "stdCorp",
          governance: null,
        });
        assert.deepEqual(await set("stdA%2Fb", { id: sub.id.slice(0, 8) }), {
          namespace: "stdA/b",
          standard_id: sub.id,
          parent_namespace: null,
          governance: null,
        }, "a URL-encoded namespace and an id prefix");

        const expected = [
          { namespace: "*", id: global.id, title: global.title, content: global.content },
          { namespace: "stdCorp", id: corp.id, title: corp.title, content: corp.content },
          { namespace: "stdA", id: top.id, title: top.title, content: top.content },
          { namespace: "stdA/b", id: sub.id, title: sub.title, content: sub.content },
        ];
        const recall = await ok<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "stdneedle", namespace: "stdA/b/c" }),
        );
        assert.deepEqual(recall.standards, expected, "recall: global, explicit parent, ancestors top-down");
        assert.equal(recall.count, 1);
        const session = await ok<SessionResult>("POST", "/api/v1/session/start", {
          json: { namespace: "stdA/b/c" },
        });
        assert.deepEqual(session.standards, expected, "session start: the same chain");
        assert.equal(session.namespace, "stdA/b/c");
        assert.deepEqual(session.memories.map((m) => m.title), ["Work item"]);

        const inherited = await ok<GetStandardResult>(
          "GET",
          "/api/v1/namespaces/stdA/b/c/standard" + qs({ inherit: true }),
        );
        assert.equal(inherited.namespace, "stdA/b/c");
        assert.equal(inherited.standard, null, "no standard of its own");
        assert.deepEqual(inherited.chain, expected);
        const encoded = await ok<GetStandardResult>(
          "GET",
          "/api/v1/namespaces/stdA%2Fb%2Fc/standard?inherit=true",
        );
        assert.deepEqual(encoded, inherited, "encoded and plain segments name the same namespace");
        const own = await ok<GetStandardResult>("GET", "/api/v1/namespaces/stdA%2Fb/standard");
        assert.equal(own.standard?.id, sub.id);
        assert.equal(own.chain, undefined, "no chain without inherit");
        const plain = await ok<GetStandardResult>("GET", "/api/v1/namespaces/stdA/b/standard");
        assert.deepEqual(plain, own);
        assert.equal(
          (await ok<GetStandardResult>("GET", "/api/v1/namespaces/stdA/standard")).parent_namespace,
          "stdCorp",
        );
        const globalOnly = await ok<RecallResult>("GET", "/api/v1/recall" + qs({ context: "stdneedle" }));
        assert.deepEqual(globalOnly.standards, [expected[0]], "without a namespace only the global standard");

        // An explicit-parent cycle (stdCorp -> stdA -> stdCorp) neither loops nor repeats a standard.
        await set("stdCorp", { id: corp.id, parent: "stdA" });
        const cyclic = await ok<GetStandardResult>(
          "GET",
          "/api/v1/namespaces/stdA/b/c/standard?inherit=true",
        );
        assert.deepEqual(cyclic.chain, expected);

        const cleared = await ok<ClearStandardResult>("DELETE", "/api/v1/namespaces/stdA%2Fb/standard");
        assert.deepEqual(cleared, { namespace: "stdA/b", cleared: true, previous_id: sub.id });
        const again = await ok<ClearStandardResult>("DELETE", "/api/v1/namespaces/stdA/b/standard");
        assert.deepEqual(again, { namespace: "stdA/b", cleared: false, previous_id: null });
        assert.equal(
          (await ok<GetStandardResult>("GET", "/api/v1/namespaces/stdA/b/standard")).standard,
          null,
        );
        const afterClear = await ok<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "stdneedle", namespace: "stdA/b/c" }),
        );
        assert.deepEqual(afterClear.standards, expected.slice(0, 3));
        assert.ok(
          (await ok<GetResult>("GET", `/api/v1/memories/${sub.id}`)).memory.id === sub.id,
          "clearing keeps the memory",
        );

        await ok("DELETE", `/api/v1/memories/${top.id}`);
        const afterDelete = await ok<GetStandardResult>(
          "GET",
          "/api/v1/namespaces/stdA/standard?inherit=true",
        );
        assert.equal(afterDelete.standard, null, "deleting the standard memory clears the standard");
        assert.equal(afterDelete.parent_namespace, "stdCorp", "the explicit parent stays");
        assert.deepEqual(afterDelete.chain, expected.slice(0, 2));
        const sessionAfter = await ok<SessionResult>("POST", "/api/v1/session/start", {
          json: { namespace: "stdA/b/c" },
        });
        assert.deepEqual(sessionAfter.standards, expected.slice(0, 2));

        assertNotFound(
          await api("POST", "/api/v1/namespaces/stdA/standard", { json: { id: "no-such-memory" } }),
          "no-such-memory",
        );
        assertInvalid(
          await api("POST", "/api/v1/namespaces/a%2F%2Fb/standard", { json: { id: sub.id } }),
          "namespace",
        );
        assertInvalid(
          await api("POST", "/api/v1/namespaces/a/b/c/d/e/f/g/h/i/standard", { json: { id: sub.id } }),
          "namespace",
          { mentions: ["at most 8 levels"] },
        );
        assertInvalid(await api("GET", "/api/v1/namespaces/stdA/standard?inherit=maybe"), "inherit");
        assert.deepEqual(
          await ok<ClearStandardResult>("DELETE", "/api/v1/namespaces/*/standard"),
          { namespace: "*", cleared: true, previous_id: global.id },
        );
      },
    );

    await t.step(
      "taxonomy: count vs subtree_count, prefix (not a string prefix), depth, limit and truncated",
      async () => {
        const put = (ns: string, i: number, scope = "private") =>
          created({ title: `Tax ${ns} ${i}`, content: "taxonomy", namespace: ns, scope });
        await put("tax", 1);
        await put("tax/a", 1);
        await put("tax/a", 2);
        await put("tax/a/x", 1, "team");
        await put("tax/b", 1);
        await put("tax/b/y/z", 1);
        await put("taxi", 1);
        const tax = async (params: Record<string, string | number> = {}) =>
          await ok<TaxonomyResult>("GET", "/api/v1/taxonomy" + qs(params));

        const full = await tax({ namespace_prefix: "tax" });
        assert.deepEqual(full, {
          namespace_prefix: "tax",
          namespaces: [
            { namespace: "tax", depth: 1, count: 1, subtree_count: 6 },
            { namespace: "tax/a", depth: 2, count: 2, subtree_count: 3 },
            { namespace: "tax/a/x", depth: 3, count: 1, subtree_count: 1 },
            { namespace: "tax/b", depth: 2, count: 1, subtree_count: 2 },
            { namespace: "tax/b/y", depth: 3, count: 0, subtree_count: 1 },
            { namespace: "tax/b/y/z", depth: 4, count: 1, subtree_count: 1 },
          ],
          total_count: 6,
          truncated: false,
        }, "taxi is not under tax; tax/b/y appears with count 0");
        assert.deepEqual(
          (await tax({ namespace_prefix: "tax", depth: 1 })).namespaces.map((
            n,
          ) => [n.namespace, n.subtree_count]),
          [["tax", 6], ["tax/a", 3], ["tax/b", 2]],
          "depth 1: one level below the prefix, subtree counts still whole",
        );
        const only = await tax({ namespace_prefix: "tax", depth: 0 });
        assert.deepEqual(only.namespaces.map((n) => n.namespace), ["tax"]);
        assert.equal(only.total_count, 6);
        const cut = await tax({ namespace_prefix: "tax", limit: 2 });
        assert.deepEqual(cut.namespaces.map((n) => n.namespace), ["tax", "tax/a"]);
        assert.equal(cut.truncated, true);
        assert.equal(cut.total_count, 6, "the total is not cut");
        assert.equal(
          (await tax({ namespace_prefix: "tax", limit: 6 })).truncated,
          false,
          "exactly at the limit",
        );
        const sub = await tax({ namespace_prefix: "tax/b" });
        assert.deepEqual(sub.namespaces.map((n) => [n.namespace, n.depth, n.count, n.subtree_count]), [
          ["tax/b", 2, 1, 2],
          ["tax/b/y", 3, 0, 1],
          ["tax/b/y/z", 4, 1, 1],
        ]);
        const none = await tax({ namespace_prefix: "tax/nothing" });
        assert.deepEqual(none, {
          namespace_prefix: "tax/nothing",
          namespaces: [],
          total_count: 0,
          truncated: false,
        });

        const everything = await tax();
        assert.equal(everything.namespace_prefix, null);
        const taxi = everything.namespaces.find((n) => n.namespace === "taxi");
        assert.deepEqual(taxi, { namespace: "taxi", depth: 1, count: 1, subtree_count: 1 });
        const tops = everything.namespaces.filter((n) => n.depth === 1);
        assert.equal(
          tops.reduce((s, n) => s + n.subtree_count, 0),
          everything.total_count,
          "roots add up to the total",
        );
        for (const node of everything.namespaces) {
          const children = everything.namespaces.filter((n) =>
            n.depth === node.depth + 1 && n.namespace.startsWith(node.namespace + "/")
          );
          assert.equal(
            node.subtree_count,
            node.count + children.reduce((s, n) => s + n.subtree_count, 0),
            `${node.namespace}: subtree_count = count + children's subtree counts`,
          );
        }

        const asA = await tax({ namespace_prefix: "tax", as_agent: "tax/a" });
        assert.deepEqual(asA.namespaces.map((n) => [n.namespace, n.count, n.subtree_count]), [
          ["tax", 0, 3],
          ["tax/a", 2, 3],
          ["tax/a/x", 1, 1],
        ], "as tax/a: its private memories and the team memory of tax/a/x");
        assert.equal(asA.total_count, 3);
        assertInvalid(await api("GET", "/api/v1/taxonomy" + qs({ depth: 9 })), "depth", {
          mentions: ["between 0 and 8"],
        });
        assertInvalid(await api("GET", "/api/v1/taxonomy" + qs({ limit: 0 })), "limit");
        assertInvalid(
          await api("GET", "/api/v1/taxonomy" + qs({ namespace_prefix: "tax/" })),
          "namespace_prefix",
        );
      },
    );

    await t.step(
      "entities: idempotent registration merges aliases; lookups ignore case and accents; 404 and 409",
      async () => {
        const first = await ok<EntityResult>("POST", "/api/v1/entities", {
          json: { canonical_name: "José Núñez", namespace: "people", aliases: ["Pepe"] },
          status: 201,
          agent: "entity-writer",
        });
        assert.equal(first.created, true);
        assert.equal(first.canonical_name, "José Núñez");
        assert.equal(first.namespace, "people");
        assert.deepEqual(first.aliases, ["José Núñez", "Pepe"]);
        assert.equal(first.entity.tier, "long");
        assert.deepEqual(first.entity.tags, ["entity"]);
        assert.equal(first.entity.metadata.kind, "entity");
        assert.equal(first.entity.agent_id, "entity-writer");
        assert.equal(first.entity_id, first.entity.id);
        await sleep(5);

        const again = await api<EntityResult>("POST", "/api/v1/entities", {
          json: { canonical_name: "José Núñez", namespace: "people", aliases: ["PEPE", "El Jefe"] },
        });
        assert.ok(again.status === 200 || again.status === 201, JSON.stringify(again.body));
        assert.equal(again.body.created, false);
        assert.equal(again.body.entity_id, first.entity_id, "the same entity");
        assert.deepEqual(
          [...again.body.aliases].sort(),
          ["El Jefe", "José Núñez", "Pepe"],
          "new aliases merged; PEPE is the same alias as Pepe",
        );
        assert.deepEqual(again.body.entity, first.entity, "nothing else changed");

        for (const alias of ["JOSÉ núñez", "jose nunez", "Jose  Nunez", "pepe", "el jefe", "EL JÉFE"]) {
          const found = await ok<AliasResult>("GET", "/api/v1/entities/by_alias" + qs({ alias }));
          assert.equal(found.entity_id, first.entity_id, `"${alias}" finds José Núñez`);
          assert.equal(found.canonical_name, "José Núñez");
          assert.equal(found.entity.id, first.entity_id);
          assert.equal(found.aliases.length, 3);
        }

        await sleep(5);
        const other = await ok<EntityResult>("POST", "/api/v1/entities", {
          json: { canonical_name: "Jose Nunez", namespace: "people2" },
          status: 201,
        });
        assert.equal(other.created, true);
        const newest = await ok<AliasResult>(
          "GET",
          "/api/v1/entities/by_alias" + qs({ alias: "josé núñez" }),
        );
        assert.equal(newest.entity_id, other.entity_id, "without a namespace the newest entity wins");
        const inPeople = await ok<AliasResult>(
          "GET",
          "/api/v1/entities/by_alias" + qs({ alias: "josé núñez", namespace: "people" }),
        );
        assert.equal(inPeople.entity_id, first.entity_id, "the namespace filter picks the older one");
        assertNotFound(
          await api("GET", "/api/v1/entities/by_alias" + qs({ alias: "pepe", namespace: "people2" })),
          "pepe",
        );
        assertNotFound(
          await api("GET", "/api/v1/entities/by_alias" + qs({ alias: "Nobody Known" })),
          "Nobody Known",
        );
        assertInvalid(await api("GET", "/api/v1/entities/by_alias"), "alias");

        await created({ title: "Acme Corp", content: "a plain memory, not an entity", namespace: "orgs" });
        const conflict = await api("POST", "/api/v1/entities", {
          json: { canonical_name: "Acme Corp", namespace: "orgs", aliases: ["Acme"] },
        });
        assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
        assert.equal((conflict.body as ErrorBody).error.code, "conflict");
        assertNotFound(await api("GET", "/api/v1/entities/by_alias" + qs({ alias: "acme" })), "acme");
        assertInvalid(
          await api("POST", "/api/v1/entities", { json: { canonical_name: "No Namespace" } }),
          "namespace",
        );

        await ok("DELETE", `/api/v1/memories/${other.entity_id}`);
        const afterDelete = await ok<AliasResult>(
          "GET",
          "/api/v1/entities/by_alias" + qs({ alias: "josé núñez" }),
        );
        assert.equal(afterDelete.entity_id, first.entity_id, "a deleted entity no longer answers");
      },
    );

    await t.step("as_agent filters every read path by scope and namespace position", async () => {
      await ok<AgentResult>("POST", "/api/v1/agents", {
        json: { agent_id: "vis-alice", agent_type: "ai:test", namespace: "vis/team1/alice" },
        status: 201,
      });
      const put = (title: string, namespace: string, scope: string, agent_id = "bob") =>
        created({ title, content: `kiwiword ${title}`, namespace, scope, agent_id });
      const m1 = await put("m1 private same ns", "vis/team1/alice", "private");
      const m2 = await put("m2 private other ns", "vis/team1/bob", "private");
      const m3 = await put("m3 team sibling", "vis/team1/bob", "team");
      const m4 = await put("m4 team other team", "vis/team2/carol", "team");
      const m5 = await put("m5 unit cousin", "vis/team2/carol", "unit");
      const m6 = await put("m6 org other tree", "visother/x/y/z", "org");
      const m7 = await put("m7 collective", "visother/q", "collective");
      const m8 = await put("m8 own private", "visother/q", "private", "vis-alice");
      const m9 = await put("m9 team top-level", "vis", "team");
      const all = [m1, m2, m3, m4, m5, m6, m7, m8, m9].map((m) => m.id);
      const alice = [m1, m3, m5, m7, m8, m9].map((m) => m.id);
      const bobPosition = [m2, m3, m5, m7, m9].map((m) => m.id);
      const mine = (ids: string[]) => ids.filter((id) => all.includes(id));

      for (const [asAgent, expected] of [["vis-alice", alice], ["vis/team1/bob", bobPosition]] as const) {
        const recall = await ok<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "kiwiword", limit: 50, as_agent: asAgent }),
        );
        sameSet(recall.memories.map((m) => m.id), [...expected], { what: `recall as ${asAgent}` });
        const posted = await ok<RecallResult>("POST", "/api/v1/recall", {
          json: { context: "kiwiword", limit: 50, as_agent: asAgent },
        });
        sameSet(posted.memories.map((m) => m.id), [...expected], { what: `POST recall as ${asAgent}` });
        const search = await ok<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "kiwiword", limit: 200, as_agent: asAgent }),
        );
        sameSet(search.memories.map((m) => m.id), [...expected], { what: `search as ${asAgent}` });
        const list = await ok<ListResult>("GET", "/api/v1/memories" + qs({ limit: 200, as_agent: asAgent }));
        sameSet(mine(list.memories.map((m) => m.id)), [...expected], { what: `list as ${asAgent}` });
        for (const id of all) {
          const got = await api<GetResult>("GET", `/api/v1/memories/${id}` + qs({ as_agent: asAgent }));
          if (expected.includes(id)) assert.equal(got.status, 200, `get ${id} as ${asAgent}`);
          else assertNotFound(got, id);
        }
      }
      const unfiltered = await ok<RecallResult>(
        "GET",
        "/api/v1/recall" + qs({ context: "kiwiword", limit: 50 }),
      );
      sameSet(unfiltered.memories.map((m) => m.id), all, { what: "without as_agent nothing is filtered" });

      const l13 = await link(m1.id, m3.id);
      await link(m1.id, m2.id);
      await link(m3.id, m4.id);
      await link(m6.id, m1.id, { relation: "supersedes" });
      const asAlice = qs({ as_agent: "vis-alice" });
      const links = await ok<LinksResult>("GET", `/api/v1/links/${m1.id}` + asAlice);
      assert.deepEqual(links.links, [l13], "links to hidden memories are left out");
      const got = await ok<GetResult>("GET", `/api/v1/memories/${m1.id}` + asAlice);
      assert.deepEqual(got.links, [l13]);
      assert.deepEqual(got.superseded_by, [], "a hidden successor is not named");
      assert.deepEqual((await ok<GetResult>("GET", `/api/v1/memories/${m1.id}`)).superseded_by, [m6.id]);
      const q = await kg({ source_id: m1.id, max_depth: 3, as_agent: "vis-alice" });
      assert.deepEqual(
        q.results.map((r) => r.path),
        [`${m1.id}->${m3.id}`],
        "no path through a hidden memory",
      );
      assert.equal((await kg({ source_id: m1.id, max_depth: 3 })).count, 3, "unfiltered: m2, m3 and m3->m4");
      const tl = await ok<TimelineResult>(
        "GET",
        "/api/v1/kg/timeline" + qs({ source_id: m1.id, as_agent: "vis-alice" }),
      );
      assert.deepEqual(tl.links, [l13]);
      assertNotFound(await api("GET", `/api/v1/links/${m2.id}` + asAlice), m2.id);
      assertNotFound(
        await api("POST", "/api/v1/kg/query", { json: { source_id: m2.id, as_agent: "vis-alice" } }),
        m2.id,
      );
      assertNotFound(
        await api("GET", "/api/v1/kg/timeline" + qs({ source_id: m4.id, as_agent: "vis-alice" })),
        m4.id,
      );

      const tax = await ok<TaxonomyResult>(
        "GET",
        "/api/v1/taxonomy" + qs({ namespace_prefix: "vis", as_agent: "vis-alice" }),
      );
      assert.deepEqual(tax.namespaces.map((n) => [n.namespace, n.count, n.subtree_count]), [
        ["vis", 1, 4],
        ["vis/team1", 0, 2],
        ["vis/team1/alice", 1, 1],
        ["vis/team1/bob", 1, 1],
        ["vis/team2", 0, 1],
        ["vis/team2/carol", 1, 1],
      ]);
      const session = await ok<SessionResult>("POST", "/api/v1/session/start", {
        json: { namespace: "vis/team1/bob", limit: 50, as_agent: "vis-alice" },
      });
      assert.deepEqual(
        session.memories.map((m) => m.id),
        [m3.id],
        "session start as alice: only the team memory",
      );

      await ok<EntityResult>("POST", "/api/v1/entities", {
        json: { canonical_name: "Kiwi Person", namespace: "vis/team1/bob", agent_id: "bob" },
        status: 201,
      });
      assertNotFound(
        await api("GET", "/api/v1/entities/by_alias" + qs({ alias: "kiwi person", as_agent: "vis-alice" })),
        "kiwi person",
      );
      const asBob = await ok<AliasResult>(
        "GET",
        "/api/v1/entities/by_alias" + qs({ alias: "kiwi person", as_agent: "vis/team1/bob" }),
      );
      assert.equal(asBob.canonical_name, "Kiwi Person");

      for (const bad of ["bad ns", "a//b", "/lead"]) {
        assertInvalid(
          await api("GET", "/api/v1/recall" + qs({ context: "kiwiword", as_agent: bad })),
          "as_agent",
        );
        assertInvalid(await api("GET", `/api/v1/memories/${m1.id}` + qs({ as_agent: bad })), "as_agent");
      }
    });
  } finally {
    await server.stop();
  }
});
