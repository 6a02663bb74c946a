// End-to-end tests of the audit trail: writes from the HTTP server, the MCP server and the CLI
// (real processes on one SQLite file) each leave a hash-chained record; `audit verify` finds an
// edited record and a deleted one by seq; two processes writing at once leave one intact chain.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { httpClient } from "../support/http_client.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import { openSqlite } from "../../src/store/sqlite/open.ts";
import { auditHash, type AuditRecord } from "../../src/core/audit_chain.ts";

interface Verification {
  ok: boolean;
  records: number;
  head_hash: string;
  broken?: { seq: number; problem: string };
}

function exported(stdout: string): AuditRecord[] {
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/** Run raw SQL on the database file, as an attacker with file access would. */
function tamper(db: string, sql: string): void {
  const conn = openSqlite(db);
  try {
    conn.exec(sql);
  } finally {
    conn.close();
  }
}

Deno.test("audit: writes from HTTP, MCP and CLI are recorded with their actor and operation, and an edit or a deletion is named by seq", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/audit.db`;
  const cli = (args: string[]) => runCli([...args, "--db", db]);

  await t.step("HTTP and MCP writes are recorded while both servers run", async () => {
    const server = await startServer(db);
    const mcp = await connectMcp(db);
    try {
      const http = httpClient(server.url);
      const a = await http.created({ title: "http fact", content: "from http", namespace: "ops" }, {
        agent: "http-agent",
      });
      await http.ok("DELETE", `/api/v1/memories/${a.id}`, { agent: "http-agent" });
      const stored = await mcp.callTool({
        name: "memory_store",
        arguments: { title: "mcp fact", content: "from mcp", namespace: "research" },
      });
      assert.ok(!stored.isError, JSON.stringify(stored.content));
    } finally {
      await mcp.close();
      await server.stop();
    }
  });

  await t.step("CLI writes are recorded and the chain verifies", async () => {
    succeeded(await cli(["store", "-T", "cli fact", "-c", "from cli", "--agent-id", "cli-agent"]), "store");
    const v = json<Verification>(await cli(["audit", "verify", "--json"]), "audit verify");
    assert.equal(v.ok, true);
    assert.equal(v.records, 4);
    const records = exported(succeeded(await cli(["audit", "export"]), "audit export"));
    assert.deepEqual(
      records.map((r) => [r.seq, r.actor, r.operation, r.action, r.namespaces]),
      [
        [1, "http-agent", "memory_store", "memory.create", ["ops"]],
        [2, "http-agent", "memory_delete", "memory.delete", ["ops"]],
        [3, "ai:e2e-test", "memory_store", "memory.create", ["research"]],
        [4, "cli-agent", "memory_store", "memory.create", ["global"]],
      ],
    );
    assert.equal(records[1]!.ids[0], records[0]!.ids[0], "the delete names the memory it removed");
    assert.equal(records[0]!.prev_hash, "0".repeat(64));
    for (let i = 1; i < records.length; i++) assert.equal(records[i]!.prev_hash, records[i - 1]!.hash);
    assert.equal(v.head_hash, records.at(-1)!.hash);
  });

  await t.step("export --out writes a new file and refuses an existing one", async () => {
    const out = `${dir}/audit.jsonl`;
    succeeded(await cli(["audit", "export", "--out", out]), "audit export --out");
    assert.equal(exported(await Deno.readTextFile(out)).length, 4);
    refused(await cli(["audit", "export", "--out", out]), "export over a file", {
      code: 1,
      mentions: [out, "exists"],
    });
  });

  await t.step("the program refuses to edit an audit row (append-only triggers)", () => {
    assert.throws(() => tamper(db, "UPDATE audit_log SET actor = 'x' WHERE seq = 1"), /append-only/);
    assert.throws(() => tamper(db, "DELETE FROM audit_log WHERE seq = 1"), /append-only/);
  });

  await t.step("an edited record is named by its seq (exit 1)", async () => {
    tamper(db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
    const r = await cli(["audit", "verify"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /audit trail broken at record 2: hash does not match the record's contents/);
    tamper(db, "UPDATE audit_log SET actor = 'http-agent' WHERE seq = 2");
    assert.equal(json<Verification>(await cli(["audit", "verify", "--json"]), "verify").ok, true);
  });

  await t.step("an edit re-hashed to look whole is named by the next record's broken link", async () => {
    const [, r2] = exported(succeeded(await cli(["audit", "export"]), "export"));
    const forged = { ...r2!, actor: "mallory" };
    tamper(db, `UPDATE audit_log SET actor = 'mallory', hash = '${auditHash(forged)}' WHERE seq = 2`);
    const r = await cli(["audit", "verify"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /audit trail broken at record 3: prev_hash does not match the hash of record 2/);
    tamper(db, `UPDATE audit_log SET actor = 'http-agent', hash = '${r2!.hash}' WHERE seq = 2`);
  });

  await t.step("a deleted record breaks the chain and is named", async () => {
    tamper(db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3");
    const r = await cli(["audit", "verify", "--json"]);
    assert.equal(r.code, 1);
    const v = JSON.parse(r.stdout) as Verification;
    assert.equal(v.ok, false);
    assert.equal(v.records, 2);
    assert.deepEqual(v.broken, { seq: 3, problem: "record 3 is missing (the next record present is 4)" });
    assert.match(r.stderr, /audit trail broken at record 3: record 3 is missing/);
  });

  await t.step("audit has no catalog operation: no MCP tool or HTTP route edits or reads it", async () => {
    const r = await cli(["--help"]);
    assert.match(r.stdout, /audit/);
    const { CATALOG } = await import("../../src/ops/catalog.ts");
    assert.equal(CATALOG.filter((op) => op.name.includes("audit")).length, 0);
  });
});

Deno.test("audit: two processes writing one database at once leave one linear, intact chain", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/concurrent.db`;
  const PER = 400;
  const workers = ["alpha", "beta"].map((name) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=cli", "test/support/load_worker.ts", db, "write", name, String(PER)],
      stdout: "piped",
      stderr: "piped",
    }).output()
  );
  for (const out of await Promise.all(workers)) {
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)).errors, []);
  }
  const v = json<Verification>(await runCli(["audit", "verify", "--json", "--db", db]), "verify");
  assert.equal(v.ok, true);
  assert.equal(v.records, 2 * PER);
  const records = exported(succeeded(await runCli(["audit", "export", "--db", db]), "export"));
  const byActor = Object.groupBy(records, (r) => r.actor);
  assert.equal(byActor["worker:alpha"]?.length, PER);
  assert.equal(byActor["worker:beta"]?.length, PER);
  // Interleaved, not one worker after the other: the chain really was appended concurrently.
  const switches = records.filter((r, i) => i > 0 && r.actor !== records[i - 1]!.actor).length;
  assert.ok(switches > 1, `the writers interleaved (${switches} switches)`);
});
