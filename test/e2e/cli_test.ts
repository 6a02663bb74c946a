// End-to-end tests of the CLI: `ai-memory <command>` run as a real subprocess per call against a
// database under ./data/tmp. Runs are few (each costs a process start); read-only and refused
// runs go in parallel.
import assert from "node:assert/strict";
import { CATALOG } from "../../src/ops/catalog.ts";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { nested } from "../support/deep_json.ts";
import { type CliResult, runCli, tempDataDir } from "../support/processes.ts";
import type { ListResult as Listed, Memory, ScoredMemory, Stats, StoreResult } from "../support/results.ts";

type ListResult = Omit<Listed, "memories"> & { memories: (Memory & Partial<ScoredMemory>)[] };

// Top-level commands: "kg query" is listed as the group "kg".
const COMMANDS = [...new Set(CATALOG.map((op) => op.cli.command.split(" ")[0]!))];

Deno.test("CLI end to end: every command, upsert rules, soft delete, purge and output formats", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/cli.db`;
  const cli = (args: string[], options: { stdin?: string } = {}) => runCli([...args, "--db", db], options);
  let deploy: Memory;
  let fjord: Memory;
  let devCopy: Memory;

  await t.step("store creates a memory with the given fields and the --agent-id author", async () => {
    const r = json<StoreResult>(
      await cli([
        "store",
        "--title",
        "Deploy key",
        "--content",
        "The deploy key sits in the kestrel vault",
        "--tier",
        "long",
        "--priority",
        "8",
        "--confidence",
        "0.4",
        "--tags",
        "vault,deploy",
        "--namespace",
        "ops",
        "--metadata",
        '{"ticket":"OPS-1"}',
        "--agent-id",
        "alice",
        "--json",
      ]),
      "store",
    );
    assert.equal(r.action, "created");
    assert.equal(r.duplicate, false);
    deploy = r.memory;
    assert.equal(deploy.title, "Deploy key");
    assert.equal(deploy.content, "The deploy key sits in the kestrel vault");
    assert.equal(deploy.tier, "long");
    assert.equal(deploy.expires_at, null);
    assert.equal(deploy.priority, 8);
    assert.equal(deploy.confidence, 0.4);
    assert.deepEqual(deploy.tags, ["vault", "deploy"]);
    assert.equal(deploy.namespace, "ops");
    assert.equal(deploy.metadata.ticket, "OPS-1");
    assert.equal(deploy.agent_id, "alice");
  });

  await t.step(
    "store --content - reads stdin; the same title updates the same id with max priority/confidence, no downgrade, first author",
    async () => {
      const content = "Rotated monthly by the kestrel job\nsecond line";
      const r = json<StoreResult>(
        await cli([
          "store",
          "--title",
          "Deploy key",
          "--content",
          "-",
          "--tier",
          "short",
          "--priority",
          "3",
          "--confidence",
          "0.9",
          "--tags",
          "rotated",
          "--namespace",
          "ops",
          "--agent-id",
          "bob",
          "--json",
        ], { stdin: content }),
        "upsert",
      );
      assert.equal(r.id, deploy.id);
      assert.equal(r.duplicate, true);
      assert.equal(r.action, "updated");
      const m = r.memory;
      assert.equal(m.content, content, "content came from stdin");
      assert.deepEqual(m.tags, ["rotated"]);
      assert.equal(m.priority, 8);
      assert.equal(m.confidence, 0.9);
      assert.equal(m.tier, "long");
      assert.equal(m.expires_at, null);
      assert.equal(m.agent_id, "alice");
      assert.equal(r.agent_id, "alice");
      assert.equal(m.created_at, deploy.created_at);
      deploy = m;
    },
  );

  await t.step("short flags work and the same title in another namespace is a new memory", async () => {
    const [copy, outage] = await Promise.all([
      cli(["store", "-T", "Deploy key", "-c", "dev copy of the key notes", "-n", "dev", "-p", "2", "--json"]),
      cli([
        "store",
        "--title",
        "Fjord outage",
        "--content",
        "Fjord storage failed during the nightly backup",
        "--namespace",
        "ops",
        "--json",
      ]),
    ]);
    const c = json<StoreResult>(copy, "store dev copy");
    assert.equal(c.action, "created");
    assert.notEqual(c.id, deploy.id);
    assert.equal(c.memory.namespace, "dev");
    assert.equal(c.memory.priority, 2);
    devCopy = c.memory;
    fjord = json<StoreResult>(outage, "store fjord").memory;
  });

  await t.step(
    "list prints a readable table: a count, an ID/TITLE header row, one row per memory by priority",
    async () => {
      const text = succeeded(await cli(["list"]), "list");
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      const header = lines.findIndex((l) => /^ID\s+TIER\s+PRI\s+NAMESPACE\s+TITLE$/.test(l));
      assert.ok(header >= 0, `no header row in:\n${text}`);
      assert.match(text, /^count: 3$/m);
      const rows = lines.slice(header + 1);
      // Highest priority first: deploy (8), fjord (5), dev copy (2).
      const expected = [deploy, fjord, devCopy];
      assert.equal(rows.length, expected.length, text);
      rows.forEach((row, i) => {
        const m = expected[i]!;
        assert.ok(row.startsWith(m.id.slice(0, 8) + " "), `row ${i}: ${row}`);
        assert.ok(row.endsWith(" " + m.title), row);
        assert.match(row, new RegExp(`\\s${m.tier}\\s+${m.priority}\\s+${m.namespace}\\s`));
      });
      assert.ok(!text.includes("{"), "the table is not JSON");
    },
  );

  await t.step("recall matches any word; search needs every word and shows scores in its table", async () => {
    const [recall, noBoth, one] = await Promise.all([
      cli(["recall", "kestrel backup", "--json", "-n", "ops"]),
      cli(["search", "kestrel backup", "--json"]),
      cli(["search", "fjord backup"]),
    ]);
    const r = json<ListResult & { mode: string; tokens_used: number }>(recall, "recall");
    assert.deepEqual(r.memories.map((m) => m.id).sort(), [deploy.id, fjord.id].sort());
    assert.equal(r.mode, "keyword");
    const s = json<ListResult>(noBoth, "search");
    assert.equal(s.count, 0, "no memory has both kestrel and backup");
    const text = succeeded(one, "search table");
    assert.match(text, /^ID\s+TIER\s+PRI\s+SCORE\s+NAMESPACE\s+TITLE$/m);
    assert.match(text, /^count: 1$/m);
    assert.ok(text.includes(fjord.id.slice(0, 8)), text);
    assert.ok(!text.includes(deploy.id.slice(0, 8)), text);
  });

  await t.step(
    "update changes fields and keeps the author; a tier downgrade exits 2 and changes nothing",
    async () => {
      const [update, down] = await Promise.all([
        cli(["update", deploy.id, "--content", "Moved to the new vault", "--priority", "9", "--json"]),
        cli(["update", deploy.id.slice(0, 8), "--tier", "short"]),
      ]);
      refused(down, "update --tier short", { mentions: ["tier", "never downgrade"] });
      const u = json<{ memory: Memory }>(update, "update").memory;
      assert.equal(u.id, deploy.id);
      assert.equal(u.content, "Moved to the new vault");
      assert.equal(u.priority, 9);
      assert.equal(u.agent_id, "alice");
      assert.equal(u.tier, "long");
      assert.deepEqual(u.tags, deploy.tags);
      deploy = u;
    },
  );

  await t.step("get by id prefix prints a card with the full id, the fields and the content", async () => {
    const text = succeeded(await cli(["get", deploy.id.slice(0, 8)]), "get");
    assert.match(text, new RegExp(`^id: ${deploy.id}$`, "m"));
    assert.match(text, /^title: Deploy key$/m);
    assert.match(text, /^tier: long$/m, "the refused downgrade changed nothing");
    assert.match(text, /^priority: 9$/m);
    assert.match(text, /^agent_id: alice$/m);
    assert.ok(text.trimEnd().endsWith("\n\nMoved to the new vault"), text);
  });

  await t.step(
    "delete removes the memory from get (exit 1), recall and list; stats counts the tombstone; the title makes a new id",
    async () => {
      const del = succeeded(await cli(["delete", fjord.id]), "delete");
      assert.match(del, /^deleted: true$/m);
      assert.match(del, new RegExp(`^id: ${fjord.id}$`, "m"));
      const [get, recall, list, stats] = await Promise.all([
        cli(["get", fjord.id]),
        cli(["recall", "fjord backup", "--json"]),
        cli(["list", "--json"]),
        cli(["stats", "--json"]),
      ]);
      assert.equal(get.code, 1, get.stderr);
      assert.ok(get.stderr.includes("not_found") && get.stderr.includes(fjord.id), get.stderr);
      assert.equal(get.stdout.trim(), "");
      assert.equal(json<ListResult>(recall, "recall").count, 0);
      assert.deepEqual(json<ListResult>(list, "list").memories.map((m) => m.id), [deploy.id, devCopy.id]);
      const s = json<Stats>(stats, "stats");
      assert.equal(s.deleted, 1);
      assert.equal(s.total, 2);
      assert.deepEqual(s.by_namespace, { dev: 1, ops: 1 });

      const again = json<StoreResult>(
        await cli([
          "store",
          "--title",
          "Fjord outage",
          "--content",
          "It happened again",
          "-n",
          "ops",
          "--json",
        ]),
        "store again",
      );
      assert.equal(again.action, "created");
      assert.notEqual(again.id, fjord.id);
      fjord = again.memory;
    },
  );

  let state: { list: ListResult; stats: Stats };
  await t.step("purge --older-than-days 0 removes the tombstone and keeps every live memory", async () => {
    const p = json<{ purged: number }>(await cli(["purge", "--older-than-days", "0", "--json"]), "purge");
    assert.equal(p.purged, 1);
    const [stats, list] = await Promise.all([
      cli(["stats", "--json"]),
      cli(["list", "--json", "--limit", "200"]),
    ]);
    state = { list: json<ListResult>(list, "list"), stats: json<Stats>(stats, "stats") };
    assert.equal(state.stats.deleted, 0);
    assert.equal(state.stats.total, 3);
    assert.deepEqual(
      state.list.memories,
      [deploy, fjord, devCopy],
      "every live memory exactly as last written",
    );
  });

  await t.step(
    "bad input exits 2 naming each field on stderr and leaves the database unchanged",
    async (t) => {
      const snapshot = async () => {
        const [list, stats] = await Promise.all([
          cli(["list", "--json", "--limit", "200"]),
          cli(["stats", "--json"]),
        ]);
        return { list: json<ListResult>(list, "list"), stats: json<Stats>(stats, "stats") };
      };
      const tags51 = Array.from({ length: 51 }, (_, i) => `t${i}`).join(",");
      const cases: [string, Promise<CliResult>, ...string[]][] = [
        [
          "store with ten bad fields",
          cli([
            "store",
            "--title",
            "",
            "--content",
            "-",
            "--tags",
            tags51,
            "--priority",
            "11",
            "--confidence",
            "1.5",
            "--namespace",
            "has space",
            "--tier",
            "eternal",
            "--source",
            "telepathy",
            "--metadata",
            JSON.stringify(nested(33)),
            "--ttl-secs",
            "0",
          ], { stdin: "é".repeat(32_769) }),
          "title: must not be empty",
          "content: must be at most 65536 bytes",
          "tags: must have at most 50",
          "priority: must be between 1 and 10",
          "confidence: must be between 0 and 1",
          "namespace: must not contain spaces",
          "tier: must be one of short, mid, long",
          "source: must be one of",
          "metadata: must nest at most 32",
          "ttl_secs: must be between 1 and 31536000",
        ],
        [
          "store with seven other bad fields",
          cli([
            "store",
            "--title",
            "t".repeat(513),
            "--content",
            "ok",
            "--tags",
            `fine,${"é".repeat(65)}`,
            "--priority",
            "5.5",
            "--confidence=-0.1",
            "--namespace",
            "/lead",
            "--metadata",
            JSON.stringify({ blob: "x".repeat(65_600) }),
            "--expires-at",
            "tomorrow",
          ]),
          "title: must be at most 512",
          "tags.1: must be at most 128 bytes",
          "priority: must be an integer",
          "confidence: must be between 0 and 1",
          "namespace: must not start or end with '/'",
          "metadata: must be at most 65536 bytes",

          "expires_at: must be an RFC 3339",
        ],
        [
          "store with expires_at in the past",
          cli(["store", "--title", "Past", "--content", "x", "--expires-at", "2001-01-01T00:00:00Z"]),
          "expires_at: must be in the future",
        ],
        [
          "recall limit 51 in a 9-level namespace",
          cli(["recall", "kestrel", "--limit", "51", "-n", "a/b/c/d/e/f/g/h/i"]),
          "limit: must be between 1 and 50",
          "namespace: must have at most 8 levels",
        ],
        [
          "search limit 201 in a namespace with //",
          cli(["search", "kestrel", "--limit", "201", "-n", "a//b"]),
          "limit: must be between 1 and 200",
          "namespace: must not contain empty segments",
        ],
        [
          "list limit 201 in a namespace with a .. segment",
          cli(["list", "--limit", "201", "--namespace", "a/../b"]),
          "limit: must be between 1 and 200",
          "namespace: must not contain '.' or '..'",
        ],
        [
          "list since after until",
          cli(["list", "--since", "2026-02-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"]),
          "since: must not be later than until",
        ],
        ["an unknown option", cli(["list", "--bogus"]), "--bogus"],
        ["get without its id", cli(["get"]), "id"],
      ];
      const results = await Promise.all(cases.map(([, run]) => run));
      for (const [i, [name, , ...mentions]] of cases.entries()) {
        await t.step(`${name} -> exit 2`, () => refused(results[i]!, name, { mentions }));
      }
      await t.step("the database is exactly as before", async () => {
        assert.deepEqual(await snapshot(), state);
      });
    },
  );

  await t.step("--help exits 0 and lists every command; capabilities reports the keyword tier", async () => {
    const [help, caps] = await Promise.all([runCli(["--help"]), cli(["capabilities", "--json"])]);
    const text = succeeded(help, "--help");
    assert.match(text, /Usage: ai-memory/);
    for (const c of COMMANDS) assert.match(text, new RegExp(`^\\s+${c}\\b`, "m"), `--help lists ${c}`);
    const cap = json<{ tier: string; storage: { backend: string } }>(caps, "capabilities");
    assert.equal(cap.tier, "keyword");
    assert.equal(cap.storage.backend, "sqlite");
  });
});

Deno.test("CLI: an invalid AI_MEMORY_AGENT_ID is refused with exit 2 and writes nothing", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/agent.db`;
  const bad = await runCli(["store", "--title", "T", "--content", "C", "--db", db], {
    env: { AI_MEMORY_AGENT_ID: "bad agent!" },
  });
  assert.equal(bad.code, 2, `exit ${bad.code}: ${bad.stderr}`);
  assert.match(bad.stderr, /agent/i);
  const list = await runCli(["list", "--json", "--db", db]);
  assert.equal(list.code, 0, `the database must stay readable: ${list.stderr}`);
  assert.equal(JSON.parse(list.stdout).count, 0);
});
