// The curator against a fake Ollama endpoint, run as `ai-memory curator` subprocesses on a real
// database file: dry-run changes nothing, a cycle tags, links contradicts and proposes within its
// bounds, the next resumes at the cursor, a governance `approve` rule queues its write; and the loop
// inside `serve` (curator.enabled) tagging what the server stores, stopping with it.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { type FakeOllama, jsonAnswer, startFakeOllama } from "../support/fake_ollama.ts";
import { httpClient } from "../support/http_client.ts";
import { startKillableServer } from "../support/model_fixtures.ts";
import { runCli, tempDataDir } from "../support/processes.ts";
import { sleep } from "../support/time.ts";

interface Report {
  dry_run: boolean;
  examined: number;
  stopped_by: string;
  cursor_from: { id: string } | null;
  cursor_to: { id: string } | null;
  tagged: { id: string; tags: string[]; status: string; pending_id?: string }[];
  contradictions: { source_id: string; target_id: string; status: string }[];
  proposals: { ids: string[]; similarity: number }[];
  errors: unknown[];
  llm_calls: number;
}

function answers(fake: FakeOllama): void {
  fake.fallback.set("/api/chat", (prompt) => {
    if (prompt.includes("topic tags")) return jsonAnswer({ tags: ["Weather"] });
    const contradicts = prompt.includes("sky is blue") && prompt.includes("sky is green");
    return jsonAnswer({ contradicts, reason: contradicts ? "one sky, two colours" : "compatible" });
  });
}

Deno.test("curator: dry-run changes nothing; a bounded cycle tags, links contradicts, proposes; the next resumes; approve queues", async (t) => {
  const fake = startFakeOllama();
  answers(fake);
  const dir = await tempDataDir();
  const db = `${dir}/curator.db`;
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      llm: { url: fake.url, chatModel: "fake-chat:1b", timeoutMs: 2000 },
      curator: { maxMemories: 3 },
    }),
  );
  const cli = (...args: string[]) => runCli(["--db", db, "--config", config, "--json", ...args]);
  const store = async (title: string, content: string, namespace = "proj") =>
    json<{ memory: { id: string } }>(await cli("store", "-T", title, "-c", content, "-n", namespace), "store")
      .memory.id;
  const snapshot = async () => ({
    audit: succeeded(await cli("audit", "export"), "audit export"),
    list: succeeded(await cli("list", "--limit", "200"), "list"),
  });
  try {
    const a = await store("sky colour", "Observation: the sky is blue over the north site today.");
    const b = await store("sky colour north", "Observation: the sky is green over the north site today.");
    const c = await store("travel budget", "The team budget for travel this quarter is ten thousand euros.");
    const d = await store("lunch", "Lunch options near the office include the noodle bar downstairs.");

    await t.step("without an LLM configured the curator refuses (exit 2) naming llm", async () => {
      refused(await runCli(["--db", db, "curator", "--once"]), "curator", { mentions: ["llm", "local LLM"] });
    });

    await t.step(
      "--dry-run reports what it would do and changes neither memories nor the audit trail",
      async () => {
        const before = await snapshot();
        const report = json<Report>(await cli("curator", "--dry-run"), "curator --dry-run");
        assert.equal(report.dry_run, true);
        assert.equal(report.examined, 3);
        assert.deepEqual(report.tagged.map((x) => x.status), ["would_apply", "would_apply", "would_apply"]);
        assert.deepEqual(report.contradictions.map((x) => [x.source_id, x.target_id, x.status]), [
          [a, b, "would_link"],
        ]);
        assert.deepEqual(await snapshot(), before);
        const again = json<Report>(await cli("curator", "--dry-run"), "second dry run");
        assert.equal(again.cursor_from, null, "a dry run does not move the cursor");
      },
    );

    let first: Report;
    await t.step("a cycle stops at maxMemories having tagged, linked contradicts and proposed", async () => {
      first = json<Report>(await cli("curator", "--once"), "curator --once");
      assert.equal(first.examined, 3);
      assert.equal(first.stopped_by, "max_memories");
      assert.deepEqual(first.tagged.map((x) => [x.id, x.status]), [[a, "applied"], [b, "applied"], [
        c,
        "applied",
      ]]);
      assert.deepEqual(first.contradictions.map((x) => [x.source_id, x.target_id, x.status]), [[
        a,
        b,
        "linked",
      ]]);
      assert.deepEqual(first.proposals.map((p) => p.ids.toSorted()), [[a, b].toSorted()]);
      const links = json<{ links: { relation: string; target_id: string }[] }>(
        await cli("links", a),
        "links",
      );
      assert.ok(links.links.some((l) => l.relation === "contradicts" && l.target_id === b));
      const got = json<{ memory: { tags: string[] } }>(await cli("get", a), "get");
      assert.deepEqual(got.memory.tags, ["weather"]);
      // Nothing deleted: all four memories are still there.
      for (const id of [a, b, c, d]) succeeded(await cli("get", id), "get");
      const audit = succeeded(await cli("audit", "export"), "audit export").trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      const curatorOps = audit.filter((r) => r.actor === "system:curator").map((r) => r.operation);
      assert.deepEqual(curatorOps.toSorted(), [
        "memory_auto_tag",
        "memory_auto_tag",
        "memory_auto_tag",
        "memory_link",
      ]);
    });

    await t.step("the next cycle resumes at the cursor and tags only what is left", async () => {
      const before = fake.requests.length;
      const next = json<Report>(await cli("curator", "--once"), "second cycle");
      assert.deepEqual(next.cursor_from, first.cursor_to);
      assert.deepEqual(next.tagged.map((x) => x.id), [d]);
      assert.equal(next.stopped_by, "caught_up");
      const tagPrompts = fake.requests.slice(before).filter((r) => r.prompt.includes("topic tags"));
      assert.equal(tagPrompts.length, 1, "no memory is tagged twice");
    });

    await t.step(
      "an approve rule on a namespace queues the curator's write instead of applying it",
      async () => {
        const e = await store(
          "gov rule",
          "Every change in this namespace is reviewed by a person first.",
          "gov",
        );
        succeeded(
          await cli("standard", "set", "gov", e, "--governance", '{"write":"approve"}'),
          "standard set",
        );
        const report = json<Report>(await cli("curator", "--once"), "cycle under approve");
        const queued = report.tagged.find((x) => x.id === e);
        assert.equal(queued?.status, "queued");
        assert.ok(queued?.pending_id);
        const got = json<{ memory: { tags: string[] } }>(await cli("get", e), "get");
        assert.deepEqual(got.memory.tags, [], "not applied before approval");
        const pending = json<{ actions: { id: string; requested_by: string; operation: string }[] }>(
          await cli("pending", "list"),
          "pending list",
        );
        const action = pending.actions.find((p) => p.id === queued!.pending_id);
        assert.equal(action?.requested_by, "system:curator");
        assert.equal(action?.operation, "memory_auto_tag");
      },
    );

    await t.step("a cycle killed mid-way leaves the cursor at its last finished memory", async () => {
      const ids = [];
      for (let i = 0; i < 4; i++) {
        ids.push(await store(`slow ${i}`, `A slow memory number ${i} about gardening.`));
      }
      fake.fallback.set(
        "/api/chat",
        (prompt) =>
          prompt.includes("topic tags")
            ? jsonAnswer({ tags: ["garden"] }, 400)
            : jsonAnswer({ contradicts: false, reason: "" }, 400),
      );
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-P=cli", "src/main.ts", "--db", db, "--config", config, "--json", "curator", "--once"],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      // The first memory takes two calls of 400 ms; kill during the second memory.
      await sleep(2200);
      child.kill("SIGKILL");
      const out = await child.output();
      assert.equal(out.success, false, new TextDecoder().decode(out.stderr));
      answers(fake);
      const resumed = json<Report>(await cli("curator", "--once"), "after the kill");
      assert.ok(resumed.cursor_from !== null);
      const done = resumed.tagged.map((x) => x.id);
      assert.ok(!done.includes(ids[0]!), "the memory finished before the kill is not tagged again");
      assert.ok(done.includes(ids[3]!), "the rest is done by the next cycle");
    });
  } finally {
    await fake.stop();
  }
});

Deno.test("the curator loop inside serve tags memories stored through the server within a few cycles, and stops with the server", async (t) => {
  const fake = startFakeOllama();
  answers(fake);
  const dir = await tempDataDir();
  const db = `${dir}/loop.db`;
  const config = `${dir}/loop.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      llm: { url: fake.url, chatModel: "fake-chat:1b", timeoutMs: 2000 },
      curator: { enabled: true, intervalSecs: 1 },
    }),
  );
  const server = await startKillableServer(db, { env: { AI_MEMORY_CONFIG: config } });
  let stopped = false;
  try {
    const http = httpClient(server.url);
    const stored: string[] = [];
    await t.step("memories stored over HTTP get the model's tags without anyone asking", async () => {
      const notes = {
        "north site weather": "The sky is blue over the north site.",
        "south site weather": "Rain is expected at the south site.",
      };
      for (const [title, content] of Object.entries(notes)) {
        stored.push((await http.created({ title, content, namespace: "ops" })).id);
      }
      const deadline = Date.now() + 20_000;
      for (const id of stored) {
        for (;;) {
          const got = await http.ok<{ memory: { tags: string[]; metadata: Record<string, unknown> } }>(
            "GET",
            `/api/v1/memories/${id}`,
          );
          if (got.memory.tags.includes("weather")) {
            assert.deepEqual(got.memory.metadata.auto_tags, ["weather"]);
            break;
          }
          assert.ok(Date.now() < deadline, `not tagged within 20 s: ${JSON.stringify(got.memory.tags)}`);
          await sleep(200);
        }
      }
    });

    await t.step(
      "SIGTERM stops the loop with the server: exit 0, and the endpoint hears nothing more",
      async () => {
        const status = await server.kill("SIGTERM");
        stopped = true;
        assert.equal(status.code, 0);
        const after = fake.requests.length;
        await sleep(2500);
        assert.equal(fake.requests.length, after, "no curator cycle after the server stopped");
        const audit = succeeded(await runCli(["--db", db, "audit", "export"]), "audit export").trim().split(
          "\n",
        )
          .map((l) => JSON.parse(l) as { actor: string; operation: string });
        const tagged = audit.filter((r) => r.actor === "system:curator" && r.operation === "memory_auto_tag");
        assert.equal(tagged.length, 2, "each memory tagged once, by the curator");
      },
    );
  } finally {
    if (!stopped) await server.kill("SIGTERM");
    await fake.stop();
  }
});
