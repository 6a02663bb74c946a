// End-to-end federation: three real `serve` nodes on loopback with mutual TLS. A node killed during
// a stream of writes (creates, updates, deletes, on two nodes) catches up after its restart and all
// three end with the same memories and tombstones; a minority cannot reach its quorum and says so,
// keeps the write and delivers it once a peer is back; a node with a certificate nobody allowlisted
// gets nothing and gives nothing.
import assert from "node:assert/strict";
import { type ErrorBody, httpClient } from "../support/http_client.ts";
import { connectMcp, runCli, tempDataDir } from "../support/processes.ts";
import { textOf, type ToolResult } from "../support/mcp_calls.ts";
import {
  canonicalState,
  makeCluster,
  startNode,
  stopNode,
  waitForConvergence,
  writeIdentity,
  writeNodeConfig,
} from "../support/federation_cluster.ts";
import type { StoreResult } from "../support/results.ts";
import { PeerClient } from "../../src/federation/peer_client.ts";
import { loadNodeTls } from "../../src/federation/node_identity.ts";
import { signPeerRequest } from "../../src/federation/request_signature.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite_store.ts";
import { rawPeerRequest } from "../support/peer_raw.ts";

const CONVERGE_MS = 45_000;

interface StatusJson {
  node: string;
  head: number;
  peers: { url: string; acknowledged: number; backlog: number; pulled: number }[];
}

/** `ai-memory federation status --json` on a node's database and config, as the operator runs it. */
async function federationStatus(node: { db: string; config: string }): Promise<StatusJson> {
  const out = await runCli(["federation", "status", "--json", "--db", node.db, "--config", node.config]);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout) as StatusJson;
}

Deno.test("federation: three nodes converge after a crash mid-stream, tombstones included; a minority cannot reach quorum; an unknown certificate gets nothing", async (t) => {
  const dir = await tempDataDir();
  const nodes = await makeCluster(dir, ["a", "b", "c"], { quorum: 2 });
  const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  try {
    for (const node of nodes) await startNode(node);
    const http = (node: typeof a) => httpClient(node.process!.url);
    const store = async (node: typeof a, title: string) =>
      (await http(node).ok<StoreResult>("POST", "/api/v1/memories", {
        json: { title, content: `content of ${title}`, namespace: "fed/test", tier: "long" },
        status: 201,
      })).id;

    await t.step("a crash during a stream of writes heals after the restart", async () => {
      const ids: string[] = [];
      // The crash lands while the stream runs (writes on two nodes); two of three nodes stay up, so
      // every write still reaches its quorum of 2.
      let crash: Promise<void> | undefined;
      for (let i = 0; i < 25; i++) {
        if (i === 8) crash = stopNode(c, "SIGKILL");
        ids.push(await store(i % 3 === 2 ? b : a, `stream ${i}`));
      }
      await crash;
      for (const id of ids.slice(0, 4)) await http(a).ok("DELETE", `/api/v1/memories/${id}`);
      for (const id of ids.slice(4, 7)) {
        await http(b).ok("PUT", `/api/v1/memories/${id}`, { json: { content: `edited ${id}` } });
      }
      await startNode(c);
      const state = JSON.parse(await waitForConvergence(nodes.map((n) => n.db), CONVERGE_MS)) as [
        string,
        string,
        string,
        string,
        { content: string } | null,
      ][];
      const byId = new Map(state.map((row) => [row[0], row]));
      assert.equal(byId.size, 25, "every memory is on every node");
      for (const id of ids.slice(0, 4)) assert.equal(byId.get(id)![3], "deleted", `${id} is a tombstone`);
      for (const id of ids.slice(4, 7)) assert.equal(byId.get(id)![4]!.content, `edited ${id}`);
      // The restarted node answers like the others: deleted memories stay deleted there too.
      for (const id of ids.slice(0, 4)) {
        assert.equal((await http(c).api("GET", `/api/v1/memories/${id}`)).status, 404);
      }
      assert.equal((await http(c).api("GET", `/api/v1/memories/${ids[24]}`)).status, 200);
    });

    await t.step(
      "a partitioned minority cannot reach quorum; the write is kept and delivered later",
      async () => {
        await stopNode(b);
        await stopNode(c);
        const reply = await http(a).api<ErrorBody>("POST", "/api/v1/memories", {
          // An hour to live: far from mid's 7 days, so the recall below pushes it (a replicated change).
          json: {
            title: "alone",
            content: "written while the others are down",
            namespace: "fed/test",
            tier: "mid",
            ttl_secs: 3600,
          },
        });
        assert.equal(reply.status, 503);
        assert.equal(reply.body.error.code, "quorum_not_met");
        assert.match(reply.body.error.message, /only 1 of the 2 nodes/);
        assert.equal(reply.body.error.details.replicated, false);
        const kept = (reply.body.error.details.result as { id: string }).id;
        // Honest about what happened: the write is committed here and waits in the outbox.
        assert.equal((await http(a).api("GET", `/api/v1/memories/${kept}`)).status, 200);
        // The same over MCP: an MCP instance on a's database with a's federation settings waits for the
        // quorum of its own writes and reports the miss as an error (its network: loopback only).
        const mcp = await connectMcp(a.db, ["--config", a.config], { denoFlags: ["--allow-net=127.0.0.1"] });
        try {
          const result = await mcp.callTool({
            name: "memory_store",
            arguments: { title: "alone over mcp", content: "also kept", namespace: "fed/test" },
          }) as ToolResult;
          assert.equal(result.isError, true);
          assert.match(textOf(result), /Not replicated: .*only 1 of the 2 nodes/);
        } finally {
          await mcp.close();
        }
        // A recall is a read: it answers during the partition although its access bookkeeping pushes
        // the kept memory's expiry from 1 h to mid's 7 days, which is a replicated change.
        const headBefore = (await federationStatus(a)).head;
        const recalled = await http(a).api<{ memories: { id: string }[] }>(
          "GET",
          `/api/v1/recall?context=${encodeURIComponent("written while the others are down")}`,
        );
        assert.equal(recalled.status, 200, JSON.stringify(recalled.body));
        assert.ok(recalled.body.memories.some((m) => m.id === kept));
        const touchedBy = Date.now() + 5000;
        while ((await federationStatus(a)).head <= headBefore) {
          assert.ok(Date.now() < touchedBy, "the recall's touch moved the expiry, a replicated change");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // `--quorum 1` overrides the file's 2 for one process: its write answers at once, queued for both peers.
        const lenient = await connectMcp(a.db, ["--config", a.config, "--quorum", "1"], {
          denoFlags: ["--allow-net=127.0.0.1"],
        });
        try {
          const result = await lenient.callTool({
            name: "memory_store",
            arguments: { title: "quorum of one", content: "no wait", namespace: "fed/test" },
          }) as ToolResult;
          assert.equal(result.isError, undefined, textOf(result));
        } finally {
          await lenient.close();
        }
        // A quorum above N, or without federation, is refused at start, naming the flag and the limit.
        const tooMany = await runCli(["serve", "--quorum", "4", "--db", a.db, "--config", a.config]);
        assert.equal(tooMany.code, 2);
        assert.match(tooMany.stderr, /quorum: must be an integer from 1 to 3/);
        const alone = await runCli(["serve", "--quorum", "2", "--db", `${dir}/alone.db`]);
        assert.equal(alone.code, 2);
        assert.match(alone.stderr, /quorum: needs a federation section/);
        // The operator sees the outbox: both peers are behind by at least the three kept writes.
        const down = await federationStatus(a);
        assert.equal(down.peers.length, 2);
        for (const peer of down.peers) {
          assert.ok(peer.backlog >= 3, `${peer.url} has a backlog of ${peer.backlog}`);
          assert.ok(peer.acknowledged < down.head);
        }
        await startNode(b);
        const deadline = Date.now() + CONVERGE_MS;
        while ((await http(b).api("GET", `/api/v1/memories/${kept}`)).status !== 200) {
          assert.ok(Date.now() < deadline, "the kept write reached the peer once it was back");
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        // With a quorum again, writes succeed.
        await store(a, "quorum again");
        await startNode(c);
        await waitForConvergence(nodes.map((n) => n.db), CONVERGE_MS);
        // Once every peer has everything, the outbox is empty.
        const emptyBy = Date.now() + CONVERGE_MS;
        while ((await federationStatus(a)).peers.some((p) => p.backlog > 0)) {
          assert.ok(Date.now() < emptyBy, "a's backlog toward its peers drained");
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    );

    await t.step("a node whose certificate is not allowlisted gets nothing and gives nothing", async () => {
      const outsider = await writeIdentity(dir, "outsider");
      const tls = await loadNodeTls({ cert: outsider.certPath, key: outsider.keyPath });
      const client = new PeerClient({ url: `https://127.0.0.1:${a.peerPort}`, fingerprint: a.fingerprint }, {
        tls,
        timeoutMs: 2000,
      });
      try {
        await assert.rejects(client.request("GET", "/api/v1/sync/since", { query: { cursor: "0" } }));
      } finally {
        client.close();
      }
      // A rogue node that lists `a` as its peer: `a` does not list it, so nothing crosses either way.
      const rogueNodes = await makeCluster(`${dir}`, ["rogue"], { quorum: 1 });
      const rogue = rogueNodes[0]!;
      await writeNodeConfig(rogue, [a], { quorum: 1 });
      await startNode(rogue);
      try {
        const rogueId = await store(rogue, "from the rogue");
        await new Promise((resolve) => setTimeout(resolve, 2000));
        assert.equal((await http(a).api("GET", `/api/v1/memories/${rogueId}`)).status, 404);
      } finally {
        await stopNode(rogue);
      }
      const rogueState = JSON.parse(await canonicalState(rogue.db)) as unknown[];
      assert.equal(rogueState.length, 1, "the rogue holds only its own memory");
    });

    await t.step("a forged or replayed sync request is refused and changes nothing", async () => {
      const victim = await store(a, "must survive forgery");
      const db = await SqliteStore.open(a.db, { now: new Date().toISOString() });
      const [live] = await db.replication.changesFor([victim]);
      db.close();
      const tombstone = {
        ...live!,
        hlc: "999999999999999-000000",
        state: "deleted",
        memory: { ...live!.memory!, deleted_at: new Date().toISOString(), deleted_by: "forger" },
      };
      // b is allowlisted at a, so its certificate passes the handshake; only the signature can refuse.
      const bTls = await loadNodeTls({ cert: b.certPath, key: b.keyPath });
      const target = "/api/v1/sync/push";
      const send = (body: string, headers: Record<string, string>) =>
        rawPeerRequest(a.peerPort, { from: bTls, target, body, headers });
      const harmless = JSON.stringify({ node: "0000000000000000", changes: [] });
      const signed = await signPeerRequest(bTls.privateKey, {
        method: "POST",
        target,
        from: bTls.fingerprint,
        body: new TextEncoder().encode(harmless),
      });
      // Forged: the signature of a harmless body on a body that deletes a memory.
      const forged = await send(JSON.stringify({ node: "0000000000000000", changes: [tombstone] }), signed);
      assert.equal(forged.status, 401);
      assert.equal((await http(a).api("GET", `/api/v1/memories/${victim}`)).status, 200);
      // Replayed: the genuine request is accepted once, refused the second time.
      assert.equal((await send(harmless, signed)).status, 200);
      const replayed = await send(harmless, signed);
      assert.equal(replayed.status, 401);
      assert.match(JSON.stringify(replayed.body), /replay/i);
      // Signed but malformed: 400 naming the field, and nothing applied.
      const bad = JSON.stringify({ node: "0000000000000000", changes: [{ ...tombstone, hlc: "yesterday" }] });
      const badHeaders = await signPeerRequest(bTls.privateKey, {
        method: "POST",
        target,
        from: bTls.fingerprint,
        body: new TextEncoder().encode(bad),
      });
      const refused = await send(bad, badHeaders);
      assert.equal(refused.status, 400);
      assert.match(JSON.stringify(refused.body), /body\.changes\.0\.hlc/);
      assert.equal((await http(a).api("GET", `/api/v1/memories/${victim}`)).status, 200);
    });
  } finally {
    for (const node of nodes) await stopNode(node);
  }
});
