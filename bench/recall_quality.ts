// deno-lint-ignore-file no-console -- printing the results is this program's job
// Recall-quality benchmark: stores LoCoMo conversations turn by turn through the real memory_store
// path, asks their questions through memory_recall, and scores any@5/any@10/recall@10.
import { parseArgs } from "node:util";
import { fixedClock } from "../src/core/clock.ts";
import { CATALOG } from "../src/ops/catalog.ts";
import { invokeOperation } from "../src/ops/invoke.ts";
import type { OpContext, Operation } from "../src/ops/operation.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { VERSION } from "../src/version.ts";
import { drainQueue } from "../src/recall/embed_worker.ts";
import { readManifest } from "../src/models/model_set.ts";
import { type Conversation, loadConversations } from "./_locomo.ts";
import {
  type Answered,
  anyAt,
  type QualityReport,
  renderQualityTable,
  score,
  scoreBy,
  writeQualityReport,
} from "./_quality.ts";
import { machineInfo } from "./_machine.ts";
import { summarise } from "./_stats.ts";

const DEFAULT_DATA = "../shared/bench-data/locomo-dev";
const DATA_DIR = "data/bench";
const ACTOR = "bench:recall_quality";
const LIMIT = 10;
// Turns are stored one second apart from a fixed instant, so runs are reproducible.
const CLOCK_START = new Date("2026-01-01T00:00:00.000Z");

const DEFAULT_MODELS = "test/fixtures/models";

/** How recall runs in this benchmark. */
interface RunOptions {
  mode: "keyword" | "hybrid" | "hybrid+rerank";
  fusion: "rrf" | "blend";
  modelsDir: string;
  showMisses: boolean;
}

function usage(): string {
  return [
    "Usage: deno task bench:quality [--data DIR] [--mode M] [--fusion F] [--models DIR] [--show-misses]",
    `  --data DIR      a directory of LoCoMo conversation files (*.json); default ${DEFAULT_DATA}`,
    "  --mode M        keyword (default), hybrid or hybrid+rerank",
    "  --fusion F      for hybrid modes: blend (default; the reference's weighted blend) or rrf",
    `  --models DIR    the models directory for hybrid modes; default ${DEFAULT_MODELS} (random-weight`,
    "                  fixtures: they exercise the path, their scores say nothing about real models)",
    "  --show-misses   print each question with no evidence in its top 10 to stderr",
  ].join("\n");
}

function operation(name: string): Operation {
  const op = CATALOG.find((o) => o.name === name);
  if (!op) throw new Error(`Operation ${name} is not in the catalog`);
  return op;
}

const STORE = operation("memory_store");
const RECALL = operation("memory_recall");

interface ConversationRun {
  stored: number;
  answered: Answered[];
  latencies: number[];
}

async function runConversation(conversation: Conversation, options: RunOptions): Promise<ConversationRun> {
  const showMisses = options.showMisses;
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: DATA_DIR, prefix: `recall_quality-${conversation.id}-` });
  try {
    const deps = await openDeps(loadConfig({
      db: `${dir}/quality.db`,
      modelsDir: options.modelsDir,
      fusion: options.fusion,
      tier: options.mode === "keyword" ? "keyword" : options.mode === "hybrid" ? "semantic" : "smart",
    }));
    const clock = fixedClock(CLOCK_START);
    const ctx: OpContext = { ...deps, clock, actor: ACTOR };
    try {
      let stored = 0;
      for (const turn of conversation.turns) {
        const out = await invokeOperation(STORE, {
          title: turn.title,
          content: turn.content,
          namespace: conversation.namespace,
          metadata: { dia_id: turn.diaId },
        }, { ctx });
        if (out.action === "created") stored++;
        clock.advance(1000);
      }
      const embedder = (await deps.semantic.models()).embedder;
      if (embedder) await drainQueue(deps.store.vectors, { embedder, clock });
      const answered: Answered[] = [];
      const latencies: number[] = [];
      for (const q of conversation.questions) {
        const started = performance.now();
        const out = await invokeOperation(RECALL, {
          context: q.question,
          namespace: conversation.namespace,
          limit: LIMIT,
          mode: options.mode,
        }, { ctx });
        latencies.push(performance.now() - started);
        clock.advance(1000);
        const memories = out.memories as { metadata: Record<string, unknown>; title: string }[];
        const a: Answered = {
          conversation: conversation.id,
          category: q.category,
          evidence: q.evidence,
          recalled: memories.map((m) => String(m.metadata.dia_id)),
        };
        answered.push(a);
        if (showMisses && !anyAt(a, LIMIT)) {
          console.error(`miss ${conversation.id} c${q.category} ${JSON.stringify(q.question)}`);
          console.error(`  evidence ${q.evidence.join(" ")}; got ${a.recalled.join(" ")}`);
        }
      }
      return { stored, answered, latencies };
    } finally {
      deps.store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The embedder the hybrid runs used, with its dimension, for the report. */
async function embedderName(modelsDir: string): Promise<string> {
  const embedder = (await readManifest(modelsDir)).find((m) => m.role === "embedder");
  return embedder ? `${embedder.name}@${embedder.version} (${embedder.dimensions}-d)` : "none";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      data: { type: "string", default: DEFAULT_DATA },
      "show-misses": { type: "boolean", default: false },
      mode: { type: "string", default: "keyword" },
      fusion: { type: "string", default: "blend" },
      models: { type: "string", default: DEFAULT_MODELS },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage());
    return;
  }
  const data = values.data ?? DEFAULT_DATA;
  const mode = values.mode as RunOptions["mode"];
  const fusion = values.fusion as RunOptions["fusion"];
  if (!["keyword", "hybrid", "hybrid+rerank"].includes(mode) || !["rrf", "blend"].includes(fusion)) {
    throw new Error(`--mode must be keyword, hybrid or hybrid+rerank and --fusion rrf or blend\n${usage()}`);
  }
  const run: RunOptions = {
    mode,
    fusion,
    modelsDir: values.models ?? DEFAULT_MODELS,
    showMisses: values["show-misses"] ?? false,
  };
  const startedAt = new Date();
  const conversations = await loadConversations(data);
  if (conversations.length === 0) throw new Error(`No *.json conversation files in ${data}`);
  const answered: Answered[] = [];
  const latencies: number[] = [];
  const summary: QualityReport["conversations"] = [];
  try {
    for (const c of conversations) {
      console.error(`conversation ${c.id}: ${c.turns.length} turns, ${c.questions.length} questions`);
      const result = await runConversation(c, run);
      answered.push(...result.answered);
      latencies.push(...result.latencies);
      summary.push({ id: c.id, turns: c.turns.length, stored: result.stored, questions: c.questions.length });
    }
  } finally {
    await Deno.remove(DATA_DIR).catch(() => {/* not empty or already gone */});
  }
  const report: QualityReport = {
    benchmark: "recall_quality",
    productVersion: VERSION,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    data,
    mode,
    ...(mode === "keyword" ? {} : { fusion, embedder: await embedderName(run.modelsDir) }),
    conversations: summary,
    overall: score(answered),
    byCategory: scoreBy(answered, (a) => String(a.category)),
    byConversation: scoreBy(answered, (a) => a.conversation),
    recallLatencyMs: summarise(latencies),
    machine: machineInfo(),
  };
  const path = await writeQualityReport(report);
  console.log(renderQualityTable(report));
  console.log(`Wrote ${path} and its -latest.json copy.`);
}

await main();
