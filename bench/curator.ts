// deno-lint-ignore-file no-console -- printing the results is this program's job
// Curator benchmark: one cycle over 1k seeded memories with a fake Ollama endpoint on loopback that
// answers instantly (real HTTP), against the reference's budget (< 60 s); where the time goes:
// LLM requests, answer parsing, and the rest (database, governance, audit). Writes bench/results.
import { parseArgs } from "node:util";
import { runCuratorCycle } from "../src/curator/cycle.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { VERSION } from "../src/version.ts";
import { jsonAnswer, startFakeOllama } from "../test/support/fake_ollama.ts";
import { machineInfo } from "./_machine.ts";
import { writeResultFiles } from "./_results.ts";
import { seedDatabase } from "./_seed.ts";
import { Workload } from "./_workload.ts";

const { values } = parseArgs({
  options: { size: { type: "string", default: "1000" }, seed: { type: "string", default: "20261126" } },
});
const SIZE = Number(values.size);
const SEED = Number(values.seed);
const BUDGET_S = 60;

const fake = startFakeOllama();
let asked = 0;
fake.fallback.set("/api/chat", (prompt) => {
  asked++;
  if (prompt.includes("topic tags")) return jsonAnswer({ tags: ["bench", `topic-${asked % 17}`] });
  // One verdict in twenty is a contradiction, so the cycle links as well as tags.
  return jsonAnswer({ contradicts: asked % 20 === 0, reason: "scripted" });
});

const dir = `data/bench/curator-${crypto.randomUUID().slice(0, 8)}`;
await Deno.mkdir(dir, { recursive: true });
const startedAt = new Date().toISOString();
try {
  const config = loadConfig({ db: `${dir}/curator.db`, logLevel: "error" });
  config.llm = {
    url: fake.url,
    chatModel: "fake-chat:1b",
    timeoutMs: 10_000,
    maxOutputTokens: 512,
    temperature: 0,
  };
  config.curator = { ...config.curator, maxMemories: SIZE, maxLlmCalls: SIZE * 10, budgetMs: 600_000 };
  const deps = await openDeps(config);
  deps.log = { debug() {}, info() {}, warn() {}, error() {} };
  const seedStarted = performance.now();
  await seedDatabase({ ...deps, actor: "bench:curator" }, new Workload(SEED), SIZE, {
    seed: SEED,
    progress: (line) => console.error(line),
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.error(`seeded ${SIZE} memories in ${seedSeconds.toFixed(1)} s; running one curator cycle`);
  const report = await runCuratorCycle(deps, { dryRun: false });
  deps.store.close();
  const seconds = report.timing.total_ms / 1000;
  const pass = seconds < BUDGET_S;
  const share = (ms: number) => `${(ms / report.timing.total_ms * 100).toFixed(0)} %`;
  console.log(
    `curator cycle over ${SIZE} memories: ${seconds.toFixed(2)} s (budget < ${BUDGET_S} s): ${
      pass ? "PASS" : "FAIL"
    }`,
  );
  console.log(
    `  examined ${report.examined}, tagged ${report.tagged.length}, contradictions linked ` +
      `${report.contradictions.length}, proposals ${report.proposals.length}, errors ${report.errors.length}`,
  );
  console.log(
    `  LLM calls ${report.llm_calls} (${
      (report.timing.llm_request_ms / report.llm_calls).toFixed(2)
    } ms each)`,
  );
  console.log(
    `  LLM requests (HTTP to the fake, incl. its handler): ${report.timing.llm_request_ms} ms (${
      share(report.timing.llm_request_ms)
    })`,
  );
  console.log(
    `  answer parsing (JSON + zod): ${report.timing.llm_parse_ms} ms (${share(report.timing.llm_parse_ms)})`,
  );
  console.log(
    `  the rest (DB reads, keyword neighbours, governance, audited writes, cursor): ${report.timing.other_ms} ms (${
      share(report.timing.other_ms)
    })`,
  );
  const results = {
    benchmark: "curator",
    version: VERSION,
    startedAt,
    machine: machineInfo(),
    seed: SEED,
    size: SIZE,
    seedSeconds,
    budgetSeconds: BUDGET_S,
    pass,
    cycleSeconds: seconds,
    timing: report.timing,
    llmCalls: report.llm_calls,
    examined: report.examined,
    tagged: report.tagged.length,
    contradictionsLinked: report.contradictions.length,
    proposals: report.proposals.length,
    errors: report.errors.length,
    stoppedBy: report.stopped_by,
  };
  const { latest } = await writeResultFiles(results, { name: "curator" });
  console.log(`results: ${latest}`);
  if (!pass) Deno.exitCode = 1;
} finally {
  await fake.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
