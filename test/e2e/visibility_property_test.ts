// Property-style test of the visibility rules: seeded random namespace trees, memories with random
// scopes and authors, random links, entities and standards, and readers that are registered agents
// or raw namespace positions. Every read path is asked as every reader and compared with an oracle
// written here from the rule itself (deliberately not src/core/visibility.ts):
//
//   a reader at position P (a registered agent's namespace, or the raw namespace) with agent id R
//   (registered agents only) sees memory M (namespace N, scope S, author A) iff A == R, or
//   S == collective, or (S == private and N == P), or (S in team/unit/org and P is within the
//   subtree rooted at root(N, k)), k = 1/2/3 for team/unit/org; root(N, k) removes k trailing
//   segments but never goes above the top-level segment; "within the subtree rooted at X" means
//   P == X or P starts with X + "/".
//
// The bulk runs in-process through invokeOperation (the path every surface uses); a smaller world
// runs through a real HTTP server to show the surfaces apply the same filter.
import assert from "node:assert/strict";
import { mulberry32 } from "../../bench/_prng.ts";
import { MemoryError } from "../../src/core/errors.ts";
import { CATALOG } from "../../src/ops/catalog.ts";
import { invokeOperation } from "../../src/ops/invoke.ts";
import type { Deps } from "../../src/ops/operation.ts";
import { loadConfig, openDeps } from "../../src/runtime.ts";
import { startServer, tempDataDir } from "../support/processes.ts";
import type {
  AliasResult,
  EntityResult,
  GetResult,
  KgResult,
  LinkResult,
  LinksResult,
  ListResult,
  RecallResult,
  SearchResult,
  SessionResult,
  StoreResult,
  TaxonomyResult,
  TimelineResult,
} from "../support/results.ts";
import { DAY_MS, HOUR_MS, iso } from "../support/time.ts";

// ---------------------------------------------------------------------------------------------
// A seeded PRNG (mulberry32, shared with the benchmarks) so every failure is reproducible from its seed.

class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  sample<T>(items: readonly T[], n: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n && pool.length > 0) out.push(pool.splice(this.int(pool.length), 1)[0]!);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// The oracle: an independent statement of the rule.

const SCOPES = ["private", "team", "unit", "org", "collective"] as const;
type Scope = typeof SCOPES[number];
const LEVELS: Record<string, number> = { team: 1, unit: 2, org: 3 };

interface MemoryModel {
  id: string;
  namespace: string;
  scope: Scope;
  author: string;
  /** Carries the shared word, so recall and search match it. */
  word: boolean;
  live: boolean;
  createdAt: string;
  /** Alias keys, for entities. */
  keys?: Set<string>;
}

interface LinkModel {
  source: string;
  target: string;
  relation: string;
  validFrom: string;
  validUntil: string | null;
  live: boolean;
}

interface ReaderModel {
  label: string;
  asAgent: string;
  position: string;
  agentId?: string;
}

/** root(N, k): k trailing segments removed, never above the top-level segment. */
function scopeRootOf(namespace: string, k: number): string {
  const segments = namespace.split("/");
  return segments.slice(0, Math.max(1, segments.length - k)).join("/");
}

function withinSubtree(position: string, root: string): boolean {
  return position === root || position.startsWith(root + "/");
}

function maySee(reader: ReaderModel, m: MemoryModel): boolean {
  if (reader.agentId !== undefined && m.author === reader.agentId) return true;
  if (m.scope === "collective") return true;
  if (m.scope === "private") return m.namespace === reader.position;
  return withinSubtree(reader.position, scopeRootOf(m.namespace, LEVELS[m.scope]!));
}

/** Alias matching ignores case, accents and runs of spaces. */
function aliasKeyOf(alias: string): string {
  return alias.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().split(/\s+/).filter(Boolean)
    .join(" ");
}

function selfAndAncestors(namespace: string): string[] {
  const segments = namespace.split("/");
  return segments.map((_, i) => segments.slice(0, i + 1).join("/"));
}

const tripleKey = (s: string, t: string, r: string) => `${s}|${t}|${r}`;
const sorted = (items: Iterable<string>) => [...items].sort();

// ---------------------------------------------------------------------------------------------
// Drivers: the same calls in-process or over HTTP.

type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; code: string; message: string };

interface Driver {
  run(op: string, input: Record<string, unknown>): Promise<Outcome>;
}

function inProcessDriver(deps: Deps, actor: string): Driver {
  const ops = new Map(CATALOG.map((op) => [op.name, op]));
  return {
    async run(name, input) {
      const op = ops.get(name);
      assert.ok(op, `no operation ${name}`);
      try {
        return { ok: true, value: await invokeOperation(op, input, { ctx: { ...deps, actor } }) };
      } catch (err) {
        if (err instanceof MemoryError) return { ok: false, code: err.code, message: err.message };
        throw err;
      }
    },
  };
}

function httpDriver(base: string, actor: string): Driver {
  const query = (input: Record<string, unknown>) => {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(input)) {
      if (Array.isArray(v)) v.forEach((x) => sp.append(k, String(x)));
      else if (v !== undefined) sp.append(k, String(v));
    }
    const text = sp.toString();
    return text ? `?${text}` : "";
  };
  const route = (op: string, input: Record<string, unknown>): [string, string, unknown] => {
    const rest = { ...input };
    const take = (key: string) => {
      const value = encodeURIComponent(String(rest[key]));
      delete rest[key];
      return value;
    };
    switch (op) {
      case "memory_store":
        return ["POST", "/api/v1/memories", rest];
      case "memory_delete":
        return ["DELETE", `/api/v1/memories/${take("id")}`, undefined];
      case "memory_link":
        return ["POST", "/api/v1/links", rest];
      case "memory_agent_register":
        return ["POST", "/api/v1/agents", rest];
      case "memory_entity_register":
        return ["POST", "/api/v1/entities", rest];
      case "memory_namespace_set_standard": {
        const ns = take("namespace");
        return ["POST", `/api/v1/namespaces/${ns}/standard`, rest];
      }
      case "memory_recall":
        return ["POST", "/api/v1/recall", rest];
      case "memory_session_start":
        return ["POST", "/api/v1/session/start", rest];
      case "memory_kg_query":
        return ["POST", "/api/v1/kg/query", rest];
      case "memory_search":
        return ["GET", "/api/v1/search" + query(rest), undefined];
      case "memory_list":
        return ["GET", "/api/v1/memories" + query(rest), undefined];
      case "memory_get": {
        const id = take("id");
        return ["GET", `/api/v1/memories/${id}` + query(rest), undefined];
      }
      case "memory_get_links": {
        const id = take("id");
        return ["GET", `/api/v1/links/${id}` + query(rest), undefined];
      }
      case "memory_kg_timeline":
        return ["GET", "/api/v1/kg/timeline" + query(rest), undefined];
      case "memory_get_taxonomy":
        return ["GET", "/api/v1/taxonomy" + query(rest), undefined];
      case "memory_entity_get_by_alias":
        return ["GET", "/api/v1/entities/by_alias" + query(rest), undefined];
      default:
        throw new Error(`no HTTP route for ${op} in this test`);
    }
  };
  return {
    async run(op, input) {
      const [method, path, body] = route(op, input);
      const headers: Record<string, string> = { "x-agent-id": actor };
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const parsed = await res.json() as Record<string, unknown>;
      if (res.ok) return { ok: true, value: parsed };
      const error = parsed.error as { code: string; message: string };
      return { ok: false, code: error.code, message: error.message };
    },
  };
}

/** The value of a successful outcome. */
function valueOf<T>(r: Outcome, what: string): T {
  if (!r.ok) assert.fail(`${what}: failed with ${r.code}: ${r.message}`);
  return r.value as T;
}

async function must<T>(d: Driver, op: string, input: Record<string, unknown>, what: string): Promise<T> {
  const r = await d.run(op, input);
  if (!r.ok) assert.fail(`${what}: ${op} failed with ${r.code}: ${r.message}`);
  return r.value as T;
}

// ---------------------------------------------------------------------------------------------
// Random worlds.

// "r" and "rr" (and "r-x") are string prefixes of each other but different trees; "R" differs only
// in case. Segments include look-alikes too.
const ROOTS = ["r", "rr", "r-x", "R", "s"];
const SEGMENTS = ["a", "b", "ab", "a-b", "B", "x.y"];
const NAMES = ["Ada Lovelace", "Ádá Lovelace", "Bob Smith", "Çelik Ünal", "Zoë Ångström"];
const ALIASES = ["Countess", "bob", "the  Boss", "Çelik", "ZOE"];
const WORD = "zephyr";

interface Size {
  namespaces: number;
  memories: number;
  entities: number;
  links: number;
  deletions: number;
  agents: number;
  raws: number;
  standards: number;
}

interface World {
  seed: number;
  memories: Map<string, MemoryModel>;
  links: Map<string, LinkModel>;
  readers: ReaderModel[];
  /** Standard namespace -> memory id (all live when set). */
  standards: Map<string, string>;
  /** Alias spellings to look up (registered ones and one nobody registered). */
  aliases: string[];
  namespaces: string[];
}

async function buildWorld(d: Driver, seed: number, size: Size): Promise<World> {
  const rng = new Rng(seed);
  const what = `seed ${seed}`;
  const roots = rng.sample(ROOTS, 3);
  const namespaces: string[] = [];
  while (namespaces.length < size.namespaces) {
    const depth = 1 + rng.int(5);
    const parts = [rng.pick(roots)];
    while (parts.length < depth) parts.push(rng.pick(SEGMENTS));
    const ns = parts.join("/");
    if (!namespaces.includes(ns)) namespaces.push(ns);
  }
  // Sometimes an interior namespace of the tree, so ancestors hold memories too.
  const placeNamespace = () => {
    const ns = rng.pick(namespaces);
    if (!rng.chance(0.3)) return ns;
    const segments = ns.split("/");
    return segments.slice(0, 1 + rng.int(segments.length)).join("/");
  };
  const agentIds = Array.from({ length: size.agents }, (_, i) => `ag-${seed}-${i}`);
  const authors = [...agentIds, `ghost-${seed}-1`, `ghost-${seed}-2`];
  const memories = new Map<string, MemoryModel>();

  for (let i = 0; i < size.memories; i++) {
    const namespace = placeNamespace();
    const scope = rng.pick(SCOPES);
    const author = rng.pick(authors);
    const r = await must<StoreResult>(d, "memory_store", {
      title: `m${i}`,
      content: `${WORD} item number ${i}`,
      namespace,
      scope,
      agent_id: author,
      tier: "long",
    }, what);
    assert.equal(r.memory.scope, scope);
    assert.equal(r.memory.agent_id, author);
    memories.set(r.id, {
      id: r.id,
      namespace,
      scope,
      author,
      word: true,
      live: true,
      createdAt: r.memory.created_at,
    });
  }

  const aliases = new Set<string>(["Nobody Registered"]);
  for (let i = 0; i < size.entities; i++) {
    const name = rng.pick(NAMES);
    const extra = rng.sample(ALIASES, rng.int(3));
    const namespace = rng.chance(0.5) ? placeNamespace() : rng.pick(namespaces);
    const author = rng.pick(authors);
    // Distinct creation times, so "newest wins" is well defined.
    await new Promise((resolve) => setTimeout(resolve, 3));
    const r = await must<EntityResult>(d, "memory_entity_register", {
      canonical_name: name,
      namespace,
      aliases: extra,
      agent_id: author,
    }, what);
    const keys = new Set([name, ...extra].map(aliasKeyOf));
    [name, ...extra].forEach((a) => aliases.add(a));
    const known = memories.get(r.entity_id);
    if (known) {
      assert.equal(r.created, false, `${what}: registering ${name} in ${namespace} again`);
      keys.forEach((k) => known.keys!.add(k));
    } else {
      assert.equal(r.created, true);
      memories.set(r.entity_id, {
        id: r.entity_id,
        namespace,
        scope: "private",
        author,
        word: false,
        live: true,
        createdAt: r.entity.created_at,
        keys,
      });
    }
  }

  const links = new Map<string, LinkModel>();
  const now = Date.now();
  const ids = [...memories.keys()];
  for (let i = 0; i < size.links; i++) {
    const source = rng.pick(ids);
    const target = rng.pick(ids);
    if (source === target) continue;
    const roll = rng.float();
    const relation = roll < 0.35
      ? "related_to"
      : roll < 0.6
      ? "derived_from"
      : roll < 0.8
      ? "contradicts"
      : "supersedes";
    const input: Record<string, unknown> = { source_id: source, target_id: target, relation };
    const when = rng.float();
    if (when < 0.15) {
      input.valid_from = iso(now - (1 + rng.int(48)) * HOUR_MS);
      if (rng.chance(0.5)) input.valid_until = iso(now - HOUR_MS / 2);
    } else if (when < 0.25) {
      input.valid_from = iso(now + DAY_MS + rng.int(48) * HOUR_MS);
    } else if (when < 0.35) {
      input.valid_until = iso(now + 2 * HOUR_MS);
    }
    const r = await must<LinkResult>(d, "memory_link", input, what);
    const key = tripleKey(source, target, relation);
    assert.equal(r.created, !links.has(key), `${what}: link ${key} created`);
    if (!links.has(key)) {
      links.set(key, {
        source,
        target,
        relation,
        validFrom: r.link.valid_from,
        validUntil: r.link.valid_until,
        live: true,
      });
    }
  }

  for (const id of rng.sample(ids, size.deletions)) {
    await must(d, "memory_delete", { id }, what);
    memories.get(id)!.live = false;
    for (const l of links.values()) if (l.source === id || l.target === id) l.live = false;
  }

  const standards = new Map<string, string>();
  const liveIds = [...memories.values()].filter((m) => m.live).map((m) => m.id);
  for (let i = 0; i < size.standards; i++) {
    const namespace = i === 0 && rng.chance(0.5) ? "*" : rng.pick(namespaces);
    const id = rng.pick(liveIds);
    await must(d, "memory_namespace_set_standard", { namespace, id }, what);
    standards.set(namespace, id);
  }

  const readerPosition = () => {
    const roll = rng.float();
    if (roll < 0.55) return placeNamespace();
    if (roll < 0.85) return `${rng.pick(namespaces)}/${rng.pick(SEGMENTS)}`;
    return rng.pick(["zz", `${roots[0]}/zz`, "outside/q/r"]);
  };
  const readers: ReaderModel[] = [];
  for (const agentId of agentIds) {
    const position = readerPosition();
    await must(
      d,
      "memory_agent_register",
      { agent_id: agentId, agent_type: "ai:test", namespace: position },
      what,
    );
    readers.push({ label: `agent ${agentId} at ${position}`, asAgent: agentId, position, agentId });
  }
  for (let i = 0; i < size.raws; i++) {
    const position = readerPosition();
    readers.push({ label: `position ${position}`, asAgent: position, position });
  }
  return { seed, memories, links, readers, standards, aliases: [...aliases], namespaces };
}

// ---------------------------------------------------------------------------------------------
// Expected answers from the oracle.

class Expect {
  readonly #w: World;
  readonly #reader: ReaderModel;
  readonly visible: Set<string>;
  readonly now = new Date().toISOString();

  constructor(world: World, reader: ReaderModel) {
    this.#w = world;
    this.#reader = reader;
    this.visible = new Set(
      [...world.memories.values()].filter((m) => m.live && maySee(reader, m)).map((m) => m.id),
    );
  }

  live(): MemoryModel[] {
    return [...this.#w.memories.values()].filter((m) => m.live);
  }

  seen(): MemoryModel[] {
    return this.live().filter((m) => this.visible.has(m.id));
  }

  liveLinks(): LinkModel[] {
    return [...this.#w.links.values()].filter((l) => l.live);
  }

  currentSupersedes(): LinkModel[] {
    return this.liveLinks().filter((l) =>
      l.relation === "supersedes" && l.validFrom <= this.now &&
      (l.validUntil === null || l.validUntil > this.now)
    );
  }

  recall(namespace?: string, includeSuperseded = false): string[] {
    const superseded = new Set(includeSuperseded ? [] : this.currentSupersedes().map((l) => l.target));
    const inScope = namespace === undefined ? null : new Set(selfAndAncestors(namespace));
    return this.seen().filter((m) =>
      m.word && !superseded.has(m.id) && (!inScope || inScope.has(m.namespace))
    )
      .map((m) => m.id);
  }

  linksOf(id: string): string[] {
    return this.liveLinks().filter((l) =>
      (l.source === id || l.target === id) && this.visible.has(l.source) && this.visible.has(l.target)
    ).map((l) => tripleKey(l.source, l.target, l.relation));
  }

  supersededBy(id: string): string[] {
    return this.currentSupersedes().filter((l) => l.target === id && this.visible.has(l.source)).map((l) =>
      l.source
    );
  }

  timeline(id: string): string[] {
    return this.liveLinks().filter((l) => l.source === id && this.visible.has(l.target)).map((l) =>
      tripleKey(l.source, l.target, l.relation)
    );
  }

  /** Every simple path from `source` of at most `depth` hops, as "a->b|relation of the last hop". */
  paths(source: string, depth: number, all = false): string[] {
    const out: string[] = [];
    const bySource = new Map<string, LinkModel[]>();
    for (const l of this.liveLinks()) bySource.set(l.source, [...(bySource.get(l.source) ?? []), l]);
    const walk = (path: string[]) => {
      if (path.length > depth) return;
      for (const l of bySource.get(path.at(-1)!) ?? []) {
        if (path.includes(l.target)) continue;
        // A path through a memory the reader may not see is hidden, and so is every extension.
        if (!all && !this.visible.has(l.target)) continue;
        const next = [...path, l.target];
        out.push(`${next.join("->")}|${l.relation}`);
        walk(next);
      }
    };
    walk([source]);
    return out;
  }

  taxonomy(prefix?: string): string[] {
    const nodes = new Map<string, { count: number; subtree: number }>();
    for (const m of this.seen()) {
      if (prefix !== undefined && !withinSubtree(m.namespace, prefix)) continue;
      const chain = selfAndAncestors(m.namespace);
      const base = prefix === undefined ? 0 : prefix.split("/").length - 1;
      chain.slice(base).forEach((ns) => {
        const node = nodes.get(ns) ?? { count: 0, subtree: 0 };
        node.subtree++;
        if (ns === m.namespace) node.count++;
        nodes.set(ns, node);
      });
    }
    return [...nodes].map(([ns, n]) => `${ns}|${ns.split("/").length}|${n.count}|${n.subtree}`);
  }

  entity(alias: string, namespace?: string): string | null {
    const key = aliasKeyOf(alias);
    const candidates = this.seen().filter((m) =>
      m.keys?.has(key) && (namespace === undefined || m.namespace === namespace)
    );
    candidates.sort((a, b) =>
      a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? -1 : 1
    );
    return candidates[0]?.id ?? null;
  }

  standards(namespace: string): string[] {
    const chain = ["*", ...selfAndAncestors(namespace)];
    return chain.filter((ns) => this.#w.standards.has(ns)).map((ns) => this.#w.standards.get(ns)!)
      .filter((id) => this.visible.has(id));
  }
}

// ---------------------------------------------------------------------------------------------
// The checks.

interface Tally {
  checks: number;
  /** scope:visible pairs met, to prove the worlds exercise every branch of the rule. */
  branches: Set<string>;
  ownOnly: number;
}

function describe(w: World, id: string): string {
  const m = w.memories.get(id);
  return m ? `${id} (ns ${m.namespace}, ${m.scope}, by ${m.author}, ${m.live ? "live" : "deleted"})` : id;
}

/** No id the reader may not see, then (unless `subsetOnly`) exactly the expected ones. */
function expectIds(
  tally: Tally,
  w: World,
  ex: Expect,
  actual: string[],
  expected: string[],
  what: string,
  options: { subsetOnly?: boolean } = {},
): void {
  for (const id of actual) {
    tally.checks++;
    if (!ex.visible.has(id)) {
      assert.fail(`${what}: returned ${describe(w, id)}, which this reader may not see`);
    }
  }
  if (options.subsetOnly) return;
  tally.checks++;
  assert.deepEqual(sorted(actual), sorted(expected), `${what}: exactly what the reader may see`);
}

async function checkReader(d: Driver, w: World, reader: ReaderModel, tally: Tally): Promise<void> {
  const ex = new Expect(w, reader);
  const at = (op: string) => `seed ${w.seed}, ${reader.label}, ${op}`;
  const as = { as_agent: reader.asAgent };
  for (const m of w.memories.values()) {
    if (!m.live) continue;
    const visible = maySee(reader, m);
    tally.branches.add(`${m.scope}:${visible}`);
    if (visible && m.author === reader.agentId && !maySee({ ...reader, agentId: undefined }, m)) {
      tally.ownOnly++;
    }
  }

  const list = await must<ListResult>(d, "memory_list", { ...as, limit: 200 }, at("list"));
  expectIds(tally, w, ex, list.memories.map((m) => m.id), ex.seen().map((m) => m.id), at("list"));
  const search = await must<SearchResult>(
    d,
    "memory_search",
    { ...as, query: WORD, limit: 200 },
    at("search"),
  );
  expectIds(tally, w, ex, search.memories.map((m) => m.id), ex.recall(undefined, true), at("search"));

  const recall = await must<RecallResult>(
    d,
    "memory_recall",
    { ...as, context: WORD, limit: 50 },
    at("recall"),
  );
  expectIds(tally, w, ex, recall.memories.map((m) => m.id), ex.recall(), at("recall"));
  const all = await must<RecallResult>(d, "memory_recall", {
    ...as,
    context: WORD,
    limit: 50,
    include_superseded: true,
  }, at("recall include_superseded"));
  expectIds(
    tally,
    w,
    ex,
    all.memories.map((m) => m.id),
    ex.recall(undefined, true),
    at("recall include_superseded"),
  );
  const near = await must<RecallResult>(d, "memory_recall", {
    ...as,
    context: WORD,
    limit: 50,
    namespace: reader.position,
  }, at("recall in its namespace"));
  expectIds(
    tally,
    w,
    ex,
    near.memories.map((m) => m.id),
    ex.recall(reader.position),
    at("recall in its namespace"),
  );

  const session = await must<SessionResult>(d, "memory_session_start", {
    ...as,
    namespace: reader.position,
    limit: 50,
  }, at("session_start"));
  expectIds(
    tally,
    w,
    ex,
    session.memories.map((m) => m.id),
    ex.seen().filter((m) => m.namespace === reader.position).map((m) => m.id),
    at("session_start"),
  );
  const anywhere = await must<SessionResult>(
    d,
    "memory_session_start",
    { ...as, limit: 50 },
    at("session_start"),
  );
  expectIds(tally, w, ex, anywhere.memories.map((m) => m.id), [], at("session_start everywhere"), {
    subsetOnly: true,
  });
  tally.checks++;
  assert.equal(anywhere.count, Math.min(50, ex.visible.size), at("session_start everywhere: count"));

  const tax = await must<TaxonomyResult>(d, "memory_get_taxonomy", as, at("taxonomy"));
  tally.checks++;
  assert.deepEqual(
    sorted(tax.namespaces.map((n) => `${n.namespace}|${n.depth}|${n.count}|${n.subtree_count}`)),
    sorted(ex.taxonomy()),
    `${at("taxonomy")}: counts of what the reader may see`,
  );
  tally.checks++;
  assert.equal(tax.total_count, ex.visible.size, at("taxonomy total"));
  const top = reader.position.split("/")[0]!;
  const subtree = await must<TaxonomyResult>(
    d,
    "memory_get_taxonomy",
    { ...as, namespace_prefix: top },
    at("taxonomy"),
  );
  tally.checks++;
  assert.deepEqual(
    sorted(subtree.namespaces.map((n) => `${n.namespace}|${n.depth}|${n.count}|${n.subtree_count}`)),
    sorted(ex.taxonomy(top)),
    `${at(`taxonomy under ${top}`)}: counts of what the reader may see`,
  );

  for (const [i, m] of [...w.memories.values()].entries()) {
    const visible = ex.visible.has(m.id);
    const what = at(`by id ${describe(w, m.id)}`);
    const got = await d.run("memory_get", { ...as, id: m.id });
    const links = await d.run("memory_get_links", { ...as, id: m.id });
    const timeline = await d.run("memory_kg_timeline", { ...as, source_id: m.id });
    const depth = 1 + (i % 5);
    const kg = await d.run("memory_kg_query", { ...as, source_id: m.id, max_depth: depth, limit: 1000 });
    tally.checks += 4;
    if (!visible) {
      for (
        const [op, r] of [["get", got], ["get_links", links], ["kg_timeline", timeline], [
          "kg_query",
          kg,
        ]] as const
      ) {
        if (r.ok) {
          assert.fail(`${what}: ${op} answered for a memory the reader may not see (or a deleted one)`);
        }
        assert.equal(r.code, "not_found", `${what}: ${op} says not_found`);
      }
      continue;
    }
    for (
      const [op, r] of [["get", got], ["get_links", links], ["kg_timeline", timeline], [
        "kg_query",
        kg,
      ]] as const
    ) {
      if (!r.ok) assert.fail(`${what}: ${op} failed with ${r.code}: ${r.message}`);
    }
    const g = valueOf<GetResult>(got, `${what}: got`);
    tally.checks++;
    assert.equal(g.memory.id, m.id, what);
    const linkKeys = (ls: { source_id: string; target_id: string; relation: string }[]) =>
      ls.map((l) => tripleKey(l.source_id, l.target_id, l.relation));
    const endsOf = (ls: { source_id: string; target_id: string }[]) =>
      ls.flatMap((l) => [l.source_id, l.target_id]);
    expectIds(tally, w, ex, endsOf(g.links), [], `${what}: get links`, { subsetOnly: true });
    tally.checks++;
    assert.deepEqual(sorted(linkKeys(g.links)), sorted(ex.linksOf(m.id)), `${what}: get links`);
    expectIds(tally, w, ex, g.superseded_by, ex.supersededBy(m.id), `${what}: get superseded_by`);

    const gl = valueOf<LinksResult>(links, `${what}: links`);
    expectIds(tally, w, ex, endsOf(gl.links), [], `${what}: get_links`, { subsetOnly: true });
    tally.checks++;
    assert.deepEqual(sorted(linkKeys(gl.links)), sorted(ex.linksOf(m.id)), `${what}: get_links`);

    const tl = valueOf<TimelineResult>(timeline, `${what}: timeline`);
    expectIds(tally, w, ex, tl.links.map((l) => l.target_id), [], `${what}: kg_timeline`, {
      subsetOnly: true,
    });
    tally.checks++;
    assert.deepEqual(sorted(linkKeys(tl.links)), sorted(ex.timeline(m.id)), `${what}: kg_timeline`);

    const q = valueOf<KgResult>(kg, `${what}: kg`);
    expectIds(
      tally,
      w,
      ex,
      q.results.flatMap((r) => r.path.split("->")),
      [],
      `${what}: kg_query depth ${depth}`,
      {
        subsetOnly: true,
      },
    );
    tally.checks++;
    assert.ok(ex.paths(m.id, depth, true).length < 1000, "the world keeps kg_query under its limit");
    assert.deepEqual(
      sorted(q.results.map((r) => `${r.path}|${r.relation}`)),
      sorted(ex.paths(m.id, depth)),
      `${what}: kg_query depth ${depth}: every visible simple path`,
    );
  }

  for (const alias of w.aliases) {
    const spelled = alias.toUpperCase();
    const r = await d.run("memory_entity_get_by_alias", { ...as, alias: spelled });
    const expected = ex.entity(alias);
    tally.checks++;
    const what = at(`entity "${spelled}"`);
    if (expected === null) {
      if (r.ok) {
        const id = (r.value as AliasResult).entity_id;
        assert.fail(`${what}: found ${describe(w, id)}, expected not_found`);
      }
      assert.equal(r.code, "not_found", what);
    } else {
      if (!r.ok) assert.fail(`${what}: ${r.code} ${r.message}, expected ${describe(w, expected)}`);
      const found = (r.value as AliasResult).entity_id;
      expectIds(tally, w, ex, [found], [expected], what);
    }
  }
  const namespace = [...w.memories.values()].find((m) => m.keys)?.namespace ?? w.namespaces[0]!;
  for (const alias of w.aliases.slice(0, 4)) {
    const r = await d.run("memory_entity_get_by_alias", { ...as, alias, namespace });
    const expected = ex.entity(alias, namespace);
    tally.checks++;
    assert.equal(
      r.ok ? (r.value as AliasResult).entity_id : null,
      expected,
      at(`entity "${alias}" in ${namespace}`),
    );
  }
}

/** Violations found by a check that keeps going, so a report can say how many and show examples. */
interface Findings {
  calls: number;
  problems: string[];
}

function assertNone(findings: Findings, what: string): void {
  assert.equal(
    findings.problems.length,
    0,
    `${findings.problems.length} of ${findings.calls} ${what}; for example:\n` +
      findings.problems.slice(0, 3).join("\n"),
  );
}

/** kg_query and kg_timeline limits count rows the reader may see: `limit` visible rows come back when they exist. */
async function checkLimits(d: Driver, w: World, reader: ReaderModel, tally: Tally, found: Findings) {
  const ex = new Expect(w, reader);
  for (const id of ex.visible) {
    const expectedPaths = ex.paths(id, 5).length;
    const expectedLinks = ex.timeline(id).length;
    for (const limit of [1, 2]) {
      const what = `seed ${w.seed}, ${reader.label}, from ${describe(w, id)}, limit ${limit}`;
      const q = await must<KgResult>(d, "memory_kg_query", {
        as_agent: reader.asAgent,
        source_id: id,
        max_depth: 5,
        limit,
      }, what);
      const tl = await must<TimelineResult>(d, "memory_kg_timeline", {
        as_agent: reader.asAgent,
        source_id: id,
        limit,
      }, what);
      tally.checks += 2;
      found.calls += 2;
      expectIds(tally, w, ex, q.results.flatMap((r) => r.path.split("->")), [], what, { subsetOnly: true });
      expectIds(tally, w, ex, tl.links.map((l) => l.target_id), [], what, { subsetOnly: true });
      if (q.count !== Math.min(limit, expectedPaths)) {
        found.problems.push(`${what}: kg_query returned ${q.count} rows, ${expectedPaths} visible exist`);
      }
      if (tl.count !== Math.min(limit, expectedLinks)) {
        found.problems.push(
          `${what}: kg_timeline returned ${tl.count} links, ${expectedLinks} visible exist`,
        );
      }
    }
  }
}

/** Standards prepended to recall and session start are memories the reader may see (and all of those). */
async function checkStandards(d: Driver, w: World, reader: ReaderModel, tally: Tally, found: Findings) {
  const ex = new Expect(w, reader);
  const namespaces = new Set([reader.position, ...[...w.standards.keys()].filter((ns) => ns !== "*")]);
  for (const namespace of namespaces) {
    const what = `seed ${w.seed}, ${reader.label}, standards in ${namespace}`;
    const recall = await must<RecallResult>(d, "memory_recall", {
      as_agent: reader.asAgent,
      context: WORD,
      namespace,
    }, what);
    const session = await must<SessionResult>(d, "memory_session_start", {
      as_agent: reader.asAgent,
      namespace,
    }, what);
    for (
      const [op, standards] of [["recall", recall.standards], ["session_start", session.standards]] as const
    ) {
      tally.checks++;
      found.calls++;
      const ids = standards.map((s) => s.id);
      const hidden = ids.filter((id) => !ex.visible.has(id));
      if (hidden.length > 0) {
        found.problems.push(`${what}: ${op} returned ${hidden.map((id) => describe(w, id)).join(", ")}`);
      } else {
        assert.deepEqual(
          ids,
          ex.standards(namespace),
          `${what}: ${op} keeps the visible ones, outermost first`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

const SEEDS = [20261125, 7, 424242, 1337];
const IN_PROCESS: Size = {
  namespaces: 14,
  memories: 36,
  entities: 7,
  links: 50,
  deletions: 3,
  agents: 6,
  raws: 7,
  standards: 3,
};
const OVER_HTTP: Size = {
  namespaces: 8,
  memories: 18,
  entities: 4,
  links: 24,
  deletions: 2,
  agents: 3,
  raws: 3,
  standards: 2,
};

Deno.test("visibility property: every read path, in-process, against an independent oracle", async (t) => {
  const dir = await tempDataDir();
  const opened: Deps[] = [];
  const tally: Tally = { checks: 0, branches: new Set(), ownOnly: 0 };
  try {
    const worlds: { d: Driver; w: World }[] = [];
    for (const seed of SEEDS) {
      const deps = await openDeps(loadConfig({ db: `${dir}/world-${seed}.db` }));
      opened.push(deps);
      const d = inProcessDriver(deps, "prop-writer");
      worlds.push({ d, w: await buildWorld(d, seed, IN_PROCESS) });
    }

    await t.step(
      "without as_agent nothing is filtered (the oracle's model of the store is right)",
      async () => {
        for (const { d, w } of worlds) {
          const list = await must<ListResult>(d, "memory_list", { limit: 200 }, `seed ${w.seed}`);
          const live = [...w.memories.values()].filter((m) => m.live).map((m) => m.id);
          tally.checks++;
          assert.deepEqual(
            sorted(list.memories.map((m) => m.id)),
            sorted(live),
            `seed ${w.seed}: every live memory`,
          );
        }
      },
    );

    await t.step(
      "no read path returns a memory the reader may not see, and each returns all it may",
      async () => {
        for (const { d, w } of worlds) {
          for (const reader of w.readers) await checkReader(d, w, reader, tally);
        }
        for (const scope of SCOPES) {
          for (const visible of [true, false]) {
            if (scope === "collective" && !visible) continue;
            assert.ok(
              tally.branches.has(`${scope}:${visible}`),
              `the worlds include a ${scope} memory with visible=${visible}`,
            );
          }
        }
        assert.ok(
          tally.ownOnly > 0,
          "the worlds include memories visible only because the reader wrote them",
        );
      },
    );

    await t.step("kg_query and kg_timeline limits count only rows the reader may see", async () => {
      const found: Findings = { calls: 0, problems: [] };
      for (const { d, w } of worlds) {
        for (const reader of w.readers) await checkLimits(d, w, reader, tally, found);
      }
      assertNone(
        found,
        "kg_query/kg_timeline calls returned fewer rows than their limit while more were visible",
      );
    });

    await t.step("standards prepended to recall and session start are ones the reader may see", async () => {
      const found: Findings = { calls: 0, problems: [] };
      for (const { d, w } of worlds) {
        for (const reader of w.readers) await checkStandards(d, w, reader, tally, found);
      }
      assertNone(found, "recall/session_start answers carried a standard the reader may not see");
    });

    await t.step(`${tally.checks} checks ran (at least 3000 required)`, () => {
      assert.ok(tally.checks >= 3000, `only ${tally.checks} checks`);
    });
  } finally {
    for (const deps of opened) deps.store.close();
  }
});

Deno.test("visibility property: the HTTP surface applies the same filter", async (t) => {
  const dir = await tempDataDir();
  const server = await startServer(`${dir}/world-http.db`);
  const tally: Tally = { checks: 0, branches: new Set(), ownOnly: 0 };
  try {
    const d = httpDriver(server.url, "prop-writer");
    const w = await buildWorld(d, 99, OVER_HTTP);
    await t.step("every read path over HTTP agrees with the oracle", async () => {
      for (const reader of w.readers) await checkReader(d, w, reader, tally);
      assert.ok(tally.checks >= 500, `only ${tally.checks} checks`);
    });
    await t.step(`${tally.checks} checks ran over HTTP`, () => {});
  } finally {
    await server.stop();
  }
});
