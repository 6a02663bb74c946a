// deno-lint-ignore-file no-console -- printing the results is this program's job
// Federation benchmark: three real `serve` nodes on loopback with mutual TLS. Quorum write latency
// (HTTP store on one node, W = 1, 2, 3 of N = 3) as p50/p95/p99, and catch-up throughput: memories
// per second for a node that was down while the others took `--catchup` writes. Writes bench/results.
import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import { makeCluster, startNode, stopNode, writeNodeConfig } from "../test/support/federation_cluster.ts";
import { tempDataDir } from "../test/support/processes.ts";
import { machineInfo } from "./_machine.ts";
import { writeResultFiles } from "./_results.ts";
import { type LatencyStats, summarise } from "./_stats.ts";

const { values } = parseArgs({
  options: {
    writes: { type: "string", default: "300" },
    warmup: { type: "string", default: "30" },
    catchup: { type: "string", default: "5000" },
  },
});
const WRITES = Number(values.writes);
const WARMUP = Number(values.warmup);
const CATCHUP = Number(values.catchup);
// The reference's budget for a W=2 federation ack.
const BUDGET_P99_MS = 2000;

const startedAt = new Date().toISOString();
const dir = await tempDataDir();
const names = ["a", "b", "c"] as const;
const nodes = await makeCluster(dir, names, { quorum: 2 });
const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
const settings = (quorum: number) => ({
  quorum,
  catchupIntervalMs: 200,
  antiEntropyIntervalMs: 60_000,
  pageSize: 500,
});

async function storeOn(url: string, title: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/memories`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title, content: `federated fact ${title}`, namespace: "bench/fed", tier: "long" }),
  });
  await res.body?.cancel();
  if (res.status !== 201) throw new Error(`store answered ${res.status}`);
  return performance.now() - started;
}

async function liveCount(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/stats`);
  return ((await res.json()) as { total: number }).total;
}

const rows: { quorum: number; stats: LatencyStats }[] = [];
let catchup: Record<string, number> = {};
try {
  for (const quorum of [1, 2, 3]) {
    for (const node of nodes) await writeNodeConfig(node, nodes.filter((n) => n !== node), settings(quorum));
    for (const node of nodes) await startNode(node);
    const url = a.process!.url;
    for (let i = 0; i < WARMUP; i++) await storeOn(url, `warmup w${quorum} ${i}`);
    const samples: number[] = [];
    for (let i = 0; i < WRITES; i++) samples.push(await storeOn(url, `write w${quorum} ${i}`));
    rows.push({ quorum, stats: summarise(samples) });
    for (const node of nodes) await stopNode(node);
  }

  // Catch-up: c is down while a and b take the writes (W = 2), then c starts and pulls.
  for (const node of nodes) await writeNodeConfig(node, nodes.filter((n) => n !== node), settings(2));
  await startNode(a);
  await startNode(b);
  const before = await liveCount(a.process!.url);
  const writeStarted = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < CATCHUP) await storeOn(next % 2 ? a.process!.url : b.process!.url, `catch-up ${next++}`);
  }));
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const target = before + CATCHUP;
  const started = performance.now();
  await startNode(c);
  const listening = performance.now();
  while (await liveCount(c.process!.url) < target) await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = (performance.now() - listening) / 1000;
  catchup = {
    memories: target,
    seconds_after_listening: seconds,
    start_seconds: (listening - started) / 1000,
    memories_per_second: target / seconds,
    write_seconds_w2: writeSeconds,
  };
} finally {
  for (const node of nodes) await stopNode(node);
}

console.log(
  `federation: 3 nodes on loopback, mutual TLS, ${WRITES} sequential HTTP stores per row on node a`,
);
console.log("| quorum W of 3 |   n |   p50 |   p95 |   p99 |  mean |   max |");
console.log("| ------------- | --: | ----: | ----: | ----: | ----: | ----: |");
for (const { quorum, stats } of rows) {
  const f = (v: number) => v.toFixed(2).padStart(5);
  console.log(
    `| W=${quorum}           | ${stats.n} | ${f(stats.p50)} | ${f(stats.p95)} | ${f(stats.p99)} | ${
      f(stats.mean)
    } | ${f(stats.max)} |`,
  );
}
const w2 = rows.find((r) => r.quorum === 2)!.stats;
const pass = w2.p99 * 4 <= BUDGET_P99_MS;
console.log(
  `federation ack (W=2) p99 ${w2.p99.toFixed(2)} ms against the reference's < ${BUDGET_P99_MS} ms: ${
    (BUDGET_P99_MS / w2.p99).toFixed(0)
  }x inside (${pass ? "PASS" : "FAIL"})`,
);
console.log(
  `catch-up: ${catchup.memories} memories in ${
    catchup.seconds_after_listening?.toFixed(2)
  } s after the node listened ` +
    `(${catchup.memories_per_second?.toFixed(0)} memories/s; start ${catchup.start_seconds?.toFixed(2)} s)`,
);
const report = {
  benchmark: "federation",
  version: VERSION,
  startedAt,
  machine: machineInfo(),
  writes: WRITES,
  rows,
  budgetP99Ms: BUDGET_P99_MS,
  pass,
  catchup,
};
const { latest } = await writeResultFiles(report, { name: "federation" });
console.log(`results: ${latest}`);
await Deno.remove(dir, { recursive: true }).catch(() => {});
if (!pass) Deno.exitCode = 1;
