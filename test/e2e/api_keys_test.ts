// End-to-end tests of HTTP API keys: keys made and revoked with the real CLI, enforced by a real
// `ai-memory serve` on an ephemeral loopback port, against one SQLite file.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { type ErrorBody, httpClient, qs, type Reply, type RequestOptions } from "../support/http_client.ts";
import { runCli, startServer, tempDataDir } from "../support/processes.ts";
import type {
  GetResult,
  ListResult,
  RecallResult,
  SearchResult,
  StoreResult,
  TaxonomyResult,
} from "../support/results.ts";

interface KeyRow {
  id: string;
  agent_id: string;
  read: string[];
  write: string[];
  label: string | null;
  revoked_at: string | null;
}
type MintedKey = KeyRow & { token: string };

const TOKEN_REGEXP = /^aim_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;

function bearer(token: string): RequestOptions["headers"] {
  return { authorization: `Bearer ${token}` };
}

/** A 401/403 error reply with its code; returns the error. */
function refusedWith(reply: Reply<unknown>, status: number, code: string): ErrorBody["error"] {
  const shown = JSON.stringify(reply.body).slice(0, 400);
  assert.equal(reply.status, status, shown);
  const { error } = reply.body as ErrorBody;
  assert.equal(error.code, code, shown);
  assert.equal(typeof error.message, "string");
  return error;
}

Deno.test("HTTP API keys: created and revoked with the CLI, each reads and writes only its namespaces", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/keys.db`;
  const cli = (args: string[]) => runCli(["--db", db, ...args]);
  const server = await startServer(db);
  const { api } = httpClient(server.url);
  let alice: MintedKey, bob: MintedKey, operator: MintedKey;
  const as = (key: MintedKey, extra: RequestOptions = {}): RequestOptions => ({
    ...extra,
    headers: { ...bearer(key.token), ...extra.headers },
  });
  /** Every live memory, as the operator key sees them. */
  const everything = async () =>
    (await api<ListResult>("GET", "/api/v1/memories?limit=200", as(operator))).body.memories;
  try {
    await t.step("without any key, a loopback server answers requests that carry none", async () => {
      assert.equal((await api("GET", "/api/v1/stats")).status, 200);
    });

    await t.step("keys create prints a token once; keys list never shows a secret", async () => {
      alice = json<MintedKey>(
        await cli([
          "keys",
          "create",
          "--agent",
          "alice",
          "--read",
          "proj-a/*",
          "--write",
          "proj-a/*",
          "--json",
        ]),
        "keys create alice",
      );
      bob = json<MintedKey>(
        await cli(["keys", "create", "--agent", "bob", "--read", "proj-b", "--write", "proj-b", "--json"]),
        "keys create bob",
      );
      const text = await cli([
        "keys",
        "create",
        "--agent",
        "ops",
        "--read",
        "*",
        "--write",
        "*",
        "--label",
        "oncall",
      ]);
      const token = /token: (\S+)/.exec(succeeded(text, "keys create ops"))?.[1] ?? "";
      assert.match(text.stderr, /shown only once/);
      const listed = json<{ keys: KeyRow[] }>(await cli(["keys", "list", "--json"]), "keys list").keys;
      operator = { ...listed.find((k) => k.agent_id === "ops")!, token };
      for (const key of [alice, bob, operator]) assert.match(key.token, TOKEN_REGEXP);
      assert.deepEqual(alice.read, ["proj-a/*"]);
      assert.deepEqual(bob.write, ["proj-b"]);
      assert.equal(operator.label, "oncall");
      assert.deepEqual(listed.map((k) => k.agent_id).sort(), ["alice", "bob", "ops"]);
      for (
        const output of [JSON.stringify(listed), succeeded(await cli(["keys", "list"]), "keys list (table)")]
      ) {
        for (const key of [alice, bob, operator]) {
          assert.ok(!output.includes(key.token.slice(22)), "keys list shows no secret");
        }
        assert.ok(!/secret|sha256/i.test(output), "keys list shows no hash either");
      }
    });

    await t.step("bad key requests exit 2 naming the field, and create no key", async () => {
      const cases: [string[], string][] = [
        [["--agent", "bad agent", "--read", "x"], "agent"],
        [["--read", "x"], "agent"],
        [["--agent", "a", "--read", "a b"], "read"],
        [["--agent", "a"], "read"],
        [["--agent", "a", "--write", "x/**"], "write"],
        [["--agent", "a", "--write", "x/../y"], "write"],
        [["--agent", "a", "--read", "x", "--label", "l".repeat(201)], "label"],
      ];
      for (const [args, field] of cases) {
        refused(await cli(["keys", "create", ...args]), `keys create ${args.join(" ")}`, {
          mentions: [field],
        });
      }
      refused(await cli(["keys", "revoke", "not-a-key"]), "keys revoke not-a-key", { mentions: ["id"] });
      refused(await cli(["keys", "revoke", "0000000000000000"]), "keys revoke unknown", {
        code: 1,
        mentions: ["0000000000000000"],
      });
      const listed =
        json<{ keys: KeyRow[] }>(await cli(["keys", "list", "--all", "--json"]), "keys list").keys;
      assert.equal(listed.length, 3);
    });

    await t.step("with keys present, a request without a valid key gets 401 JSON", async () => {
      const none = await api("GET", "/api/v1/memories");
      refusedWith(none, 401, "unauthorized");
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
      refusedWith(
        await api("GET", "/api/v1/memories", { headers: { authorization: "Basic abc" } }),
        401,
        "unauthorized",
      );
      refusedWith(
        await api("GET", "/api/v1/memories", { headers: bearer("aim_nonsense") }),
        401,
        "unauthorized",
      );
      // The right id with another secret.
      const forged = alice.token.slice(0, 22) + "A".repeat(43);
      refusedWith(await api("GET", "/api/v1/memories", { headers: bearer(forged) }), 401, "unauthorized");
      refusedWith(await api("GET", "/metrics", { headers: { "x-api-key": forged } }), 401, "unauthorized");
      assert.equal((await api("GET", "/api/v1/health")).status, 200, "health needs no key");
    });

    let bobsMemory = "";
    let alicesMemory = "";
    await t.step("a key writes only its namespaces, always as its own agent", async () => {
      const mine = await api<StoreResult>("POST", "/api/v1/memories", {
        json: { title: "Alpha plan", content: "alpha rollout notes", namespace: "proj-a/web" },
        headers: { "x-api-key": alice.token },
      });
      assert.equal(mine.status, 201, JSON.stringify(mine.body));
      assert.equal(mine.body.agent_id, "alice");
      alicesMemory = mine.body.id;
      const theirs = await api<StoreResult>(
        "POST",
        "/api/v1/memories",
        as(bob, {
          json: {
            title: "Zebra plan",
            content: "zebra migration secret",
            namespace: "proj-b",
            scope: "collective",
          },
        }),
      );
      assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
      bobsMemory = theirs.body.id;
      const before = await everything();

      const outside = refusedWith(
        await api(
          "POST",
          "/api/v1/memories",
          as(alice, { json: { title: "x", content: "y", namespace: "proj-b" } }),
        ),
        403,
        "forbidden",
      );
      assert.equal(outside.details.field, "namespace");
      assert.match(outside.message, /proj-b/);
      const spoof = refusedWith(
        await api(
          "POST",
          "/api/v1/memories",
          as(alice, {
            json: { title: "x", content: "y", namespace: "proj-a", agent_id: "bob" },
          }),
        ),
        403,
        "forbidden",
      );
      assert.equal(spoof.details.field, "agent_id");
      refusedWith(
        await api(
          "POST",
          "/api/v1/memories",
          as(alice, {
            json: { title: "x", content: "y", namespace: "proj-a" },
            headers: { "x-agent-id": "bob" },
          }),
        ),
        403,
        "forbidden",
      );
      assert.deepEqual(await everything(), before, "refused writes change nothing");
    });

    await t.step("a key for namespace A reads nothing of namespace B on any read path", async () => {
      const recall = await api<RecallResult>(
        "GET",
        `/api/v1/recall${qs({ context: "zebra migration plan" })}`,
        as(alice),
      );
      assert.equal(recall.status, 200);
      // "plan" matches alice's own memory too: recall works, and leaves proj-b out.
      assert.deepEqual(recall.body.memories.map((m) => m.id), [alicesMemory], JSON.stringify(recall.body));
      const search = await api<SearchResult>("GET", `/api/v1/search${qs({ query: "zebra" })}`, as(alice));
      assert.equal(search.body.count, 0);
      const list = await api<ListResult>("GET", "/api/v1/memories", as(alice));
      assert.deepEqual(list.body.memories.map((m) => m.id), [alicesMemory]);
      const listB = await api<ListResult>("GET", `/api/v1/memories${qs({ namespace: "proj-b" })}`, as(alice));
      assert.equal(listB.body.count, 0);
      refusedWith(await api("GET", `/api/v1/memories/${bobsMemory}`, as(alice)), 404, "not_found");
      refusedWith(
        await api("GET", `/api/v1/memories/${bobsMemory.slice(0, 8)}`, as(alice)),
        404,
        "not_found",
      );
      refusedWith(await api("GET", `/api/v1/links/${bobsMemory}`, as(alice)), 404, "not_found");
      refusedWith(
        await api("POST", "/api/v1/kg/query", as(alice, { json: { source_id: bobsMemory } })),
        404,
        "not_found",
      );
      refusedWith(
        await api("GET", `/api/v1/kg/timeline${qs({ source_id: bobsMemory })}`, as(alice)),
        404,
        "not_found",
      );
      const taxonomy = await api<TaxonomyResult>("GET", "/api/v1/taxonomy", as(alice));
      assert.ok(!JSON.stringify(taxonomy.body).includes("proj-b"), JSON.stringify(taxonomy.body));
      const session = await api<{ memories: unknown[] }>(
        "POST",
        "/api/v1/session/start",
        as(alice, { json: { namespace: "proj-b" } }),
      );
      assert.equal(session.body.memories.length, 0);
      // Whole-database views are refused rather than filtered.
      for (
        const [method, path] of [["GET", "/api/v1/export"], ["GET", "/api/v1/stats"], [
          "GET",
          "/api/v1/archive",
        ]]
      ) {
        refusedWith(await api(method!, path!, as(alice)), 403, "forbidden");
      }
      // The owner and the operator do see it.
      assert.equal((await api<GetResult>("GET", `/api/v1/memories/${bobsMemory}`, as(bob))).status, 200);
      const opSearch = await api<SearchResult>(
        "GET",
        `/api/v1/search${qs({ query: "zebra" })}`,
        as(operator),
      );
      assert.equal(opSearch.body.count, 1);
    });

    await t.step(
      "a key cannot change, link or delete another namespace's memories; nothing changes",
      async () => {
        const before = await everything();
        refusedWith(
          await api("PUT", `/api/v1/memories/${bobsMemory}`, as(alice, { json: { content: "x" } })),
          404,
          "not_found",
        );
        refusedWith(await api("DELETE", `/api/v1/memories/${bobsMemory}`, as(alice)), 404, "not_found");
        refusedWith(await api("POST", `/api/v1/memories/${bobsMemory}/promote`, as(alice)), 404, "not_found");
        refusedWith(
          await api(
            "POST",
            "/api/v1/links",
            as(alice, { json: { source_id: alicesMemory, target_id: bobsMemory } }),
          ),
          404,
          "not_found",
        );
        refusedWith(
          await api(
            "POST",
            "/api/v1/consolidate",
            as(alice, {
              json: { ids: [alicesMemory, bobsMemory], title: "merged", summary: "s", namespace: "proj-a" },
            }),
          ),
          404,
          "not_found",
        );
        const forget = refusedWith(
          await api("POST", "/api/v1/forget", as(alice, { json: { namespace: "proj-b" } })),
          403,
          "forbidden",
        );
        assert.equal(forget.details.field, "namespace");
        refusedWith(
          await api("POST", "/api/v1/namespaces/proj-b/standard", as(alice, { json: { id: alicesMemory } })),
          403,
          "forbidden",
        );
        const move = refusedWith(
          await api("PUT", `/api/v1/memories/${alicesMemory}`, as(alice, { json: { namespace: "proj-b" } })),
          403,
          "forbidden",
        );
        assert.equal(move.details.field, "namespace");
        refusedWith(await api("POST", "/api/v1/gc", as(alice)), 403, "forbidden");
        assert.deepEqual(await everything(), before, "refused requests change nothing");
      },
    );

    await t.step("a revoked key gets 401 from the next request on", async () => {
      assert.equal((await api("GET", "/api/v1/memories", as(alice))).status, 200);
      const revoked = json<{ key: KeyRow }>(await cli(["keys", "revoke", alice.id, "--json"]), "keys revoke");
      assert.ok(revoked.key.revoked_at);
      refusedWith(await api("GET", "/api/v1/memories", as(alice)), 401, "unauthorized");
      const active = json<{ keys: KeyRow[] }>(await cli(["keys", "list", "--json"]), "keys list").keys;
      assert.ok(!active.some((k) => k.id === alice.id), "keys list leaves revoked keys out");
      const all =
        json<{ keys: KeyRow[] }>(await cli(["keys", "list", "--all", "--json"]), "keys list --all").keys;
      assert.ok(all.some((k) => k.id === alice.id && k.revoked_at !== null));
      assert.equal((await api("GET", "/api/v1/memories", as(bob))).status, 200, "other keys still work");
    });
  } finally {
    await server.stop();
  }
});

Deno.test("a server refuses to listen on a non-loopback address while no API key exists (exit 2)", async () => {
  const dir = await tempDataDir();
  // Refused before any listen: nothing ever binds 0.0.0.0.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=serve",
      "src/main.ts",
      "serve",
      "--db",
      `${dir}/open.db`,
      "--host",
      "0.0.0.0",
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  assert.match(stderr, /host: refusing to listen on 0\.0\.0\.0/);
  assert.match(stderr, /keys create/);
  assert.doesNotMatch(stderr, /"listening"/);
});

Deno.test("HTTP limits: a body over maxBodyBytes gets 413 naming the limit; a key past its rate gets 429", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/limits.db`;
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({ maxBodyBytes: 4096, rateLimitPerSecond: 0.5, rateLimitBurst: 3 }),
  );
  const first = json<MintedKey>(
    await runCli(["--db", db, "keys", "create", "--agent", "a1", "--read", "n", "--write", "n", "--json"]),
    "keys create",
  );
  const second = json<MintedKey>(
    await runCli(["--db", db, "keys", "create", "--agent", "a2", "--read", "n", "--write", "n", "--json"]),
    "keys create",
  );
  const server = await startServer(db, ["--config", config]);
  const { api } = httpClient(server.url);
  try {
    const big = await api("POST", "/api/v1/memories", {
      json: { title: "big", content: "x".repeat(5000), namespace: "n" },
      headers: bearer(first.token),
    });
    const error = refusedWith(big, 413, "payload_too_large");
    assert.match(error.message, /4096 bytes/);
    assert.equal(error.details.limit_bytes, 4096);
    const listed = await api<ListResult>("GET", "/api/v1/memories", { headers: bearer(second.token) });
    assert.equal(listed.body.count, 0, "the refused body stored nothing");

    // Burst of 3 (the 413 above took one), then refused with a Retry-After until tokens refill.
    assert.equal((await api("GET", "/api/v1/memories", { headers: bearer(first.token) })).status, 200);
    assert.equal((await api("GET", "/api/v1/memories", { headers: bearer(first.token) })).status, 200);
    const limited = await api("GET", "/api/v1/memories", { headers: bearer(first.token) });
    const rate = refusedWith(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    assert.equal(rate.details.retry_after_secs, retryAfter);
    assert.match(rate.message, /0\.5 per second/);
    assert.equal(
      (await api("GET", "/api/v1/memories", { headers: bearer(second.token) })).status,
      200,
      "each key has its own bucket",
    );
  } finally {
    await server.stop();
  }
});

Deno.test("a key cannot step around governance: the policy of a namespace it may not read still rules its writes below", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/keys-governance.db`;
  const cli = (args: string[]) => runCli(["--db", db, ...args]);
  // The operator sets a policy on "team": every write below it waits for approval.
  const standard = json<StoreResult>(
    await cli(["store", "-n", "team", "-T", "team rules", "-c", "writes need approval", "--json"]),
    "store standard",
  );
  succeeded(
    await cli(["standard", "set", "team", standard.id, "--governance", JSON.stringify({ write: "approve" })]),
    "standard set",
  );
  // A key for team/x only: it may not read "team", where the policy lives.
  const key = json<MintedKey>(
    await cli(["keys", "create", "--agent", "intern", "--read", "team/x", "--write", "team/x", "--json"]),
    "keys create",
  );
  const server = await startServer(db);
  const { api } = httpClient(server.url);
  try {
    const reply = await api<{ status: string; pending_id: string }>("POST", "/api/v1/memories", {
      json: { title: "note", content: "a note for the team", namespace: "team/x" },
      headers: bearer(key.token),
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    assert.equal(reply.body.status, "pending");
    const listed = await api<ListResult>("GET", "/api/v1/memories?namespace=team/x", {
      headers: bearer(key.token),
    });
    assert.equal(listed.body.count, 0, "nothing was written before approval");
  } finally {
    await server.stop();
  }
});
