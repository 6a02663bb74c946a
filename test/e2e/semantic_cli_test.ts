// The semantic tier's operator commands on the CLI: `models verify` against the manifest's SHA-256
// (tampered, missing and unlisted files, an invalid manifest), `doctor`, and `index rebuild`
// embedding what CLI one-shot commands only queue, after which `recall --mode hybrid` finds it.
import assert from "node:assert/strict";
import { json, refused, succeeded } from "../support/cli_assertions.ts";
import { ids } from "../support/id_sets.ts";
import {
  copyFixtureModels,
  type DoctorReport,
  type DuplicateCheck,
  FIXTURE_EMBEDDER,
  FIXTURE_RERANKER,
  flipByte,
  unknownWords,
} from "../support/model_fixtures.ts";
import { type CliResult, runCli, tempDataDir } from "../support/processes.ts";
import type { Capabilities, RecallResult, StoreResult } from "../support/results.ts";
import { sha256File } from "../support/sha256.ts";

/** What `models verify --json` prints. */
interface VerifyReport {
  ok: boolean;
  models_dir: string;
  models: { name: string; version: string; role: string; ok: boolean; problems: string[] }[];
}

/** The JSON a run printed before failing with exit 1 (doctor and models verify report, then fail). */
function reportedThenFailed<T>(r: CliResult, what: string, mentions: string[]): T {
  assert.equal(r.code, 1, `${what} exited ${r.code}: ${r.stderr}`);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `${what}: stderr lacks "${m}": ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function fixtureReport(modelsDir: string, problems: { embedder?: string[]; reranker?: string[] } = {}) {
  const model = (name: string, role: string, found: string[] = []) => ({
    name,
    version: "1.0.0",
    role,
    ok: found.length === 0,
    problems: found,
  });
  return {
    ok: !problems.embedder?.length && !problems.reranker?.length,
    models_dir: modelsDir,
    models: [
      model("tiny-embedder", "embedder", problems.embedder),
      model("tiny-reranker", "reranker", problems.reranker),
    ],
  };
}

Deno.test("models verify passes the fixture copy and lists each tampered, missing or unlisted file with exit 1", async (t) => {
  const dir = await tempDataDir();
  const verify = (modelsDir: string) =>
    runCli(["--json", "models", "verify"], { env: { AI_MEMORY_MODELS_DIR: modelsDir } });

  await t.step("an exact copy of the fixtures verifies", async () => {
    const modelsDir = await copyFixtureModels(`${dir}/exact`);
    assert.deepEqual(json<VerifyReport>(await verify(modelsDir), "models verify"), fixtureReport(modelsDir));
  });

  await t.step("a flipped byte, a missing file and an extra file are each named", async () => {
    const modelsDir = await copyFixtureModels(`${dir}/altered`);
    const onnx = `${modelsDir}/tiny-embedder/onnx/model.onnx`;
    await flipByte(onnx);
    await Deno.remove(`${modelsDir}/tiny-reranker/tokenizer_config.json`);
    await Deno.writeTextFile(`${modelsDir}/tiny-reranker/notes.txt`, "not in the manifest");
    const report = reportedThenFailed<VerifyReport>(await verify(modelsDir), "models verify", [
      "Some models do not match the manifest",
    ]);
    assert.deepEqual(
      report,
      fixtureReport(modelsDir, {
        embedder: [
          "tiny-embedder/onnx/model.onnx: sha256 mismatch (manifest " +
          `7b99923db93b7bb1360ddc4eca83ca1ae0cac998289fd9c92960001cd5db263e, file ${await sha256File(onnx)})`,
        ],
        reranker: [
          "tiny-reranker/notes.txt: not listed in the manifest",
          "tiny-reranker/tokenizer_config.json: missing",
        ],
      }),
    );
  });

  await t.step("an invalid manifest is refused with the field it lacks", async () => {
    const modelsDir = `${dir}/invalid`;
    await Deno.mkdir(modelsDir);
    const manifest = JSON.parse(await Deno.readTextFile("test/fixtures/models/manifest.json"));
    delete manifest.models[1].role;
    await Deno.writeTextFile(`${modelsDir}/manifest.json`, JSON.stringify(manifest));
    refused(await verify(modelsDir), "models verify", {
      code: 1,
      mentions: ["Invalid model manifest", 'models[1]: "role" must be one of embedder, reranker'],
    });
  });
});

Deno.test("CLI one-shot commands only queue embeddings; index rebuild embeds them, doctor reports it, recall --mode hybrid finds them", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/cli.db`;
  const modelsDir = await copyFixtureModels(dir);
  const env = { AI_MEMORY_MODELS_DIR: modelsDir };
  const cli = (...args: string[]) => runCli(["--db", db, "--json", ...args], { env });
  const doctor = async () => json<DoctorReport>(await cli("doctor"), "doctor");
  const recall = async (context: string, mode: string) =>
    json<RecallResult>(await cli("recall", context, "--mode", mode), `recall --mode ${mode}`);
  const store = async (title: string, content: string) =>
    (json<StoreResult>(await cli("store", "-T", title, "-c", content), "store")).memory;

  await t.step("doctor on a new database: smart tier, nothing embedded, no index file yet", async () => {
    assert.deepEqual(await doctor(), {
      ok: true,
      tier: "smart",
      configured_tier: "auto",
      recall_modes: ["keyword", "hybrid", "hybrid+rerank"],
      unavailable: [],
      models_dir: modelsDir,
      models: fixtureReport(modelsDir).models,
      embedder: { model: FIXTURE_EMBEDDER, dimensions: 64 },
      reranker: { model: FIXTURE_RERANKER },
      embeddings: { vectors: 0, pending: 0, failing: 0, other_model: 0 },
      vector_index: {
        file: `${db}.vectors`,
        file_bytes: null,
        entries: 0,
        opened_from: "rebuilt: no index file",
      },
    });
  });

  const stored = [
    await store("Release train", "Staging deploys every Thursday afternoon"),
    await store("Office plants", "Water the ficus on Mondays"),
    await store(unknownWords(2, 0x4e60), unknownWords(3, 0x4e62)),
  ];
  const unknownFive = unknownWords(5, 0x5000);

  await t.step(
    "stored from the CLI, the memories wait in the queue and hybrid recall cannot see them",
    async () => {
      const caps = json<Capabilities>(await cli("capabilities"), "capabilities");
      assert.deepEqual(caps.embeddings, { vectors: 0, pending: 3, index: "none" });
      const hybrid = await recall(unknownFive, "hybrid");
      assert.equal(hybrid.mode, "hybrid");
      assert.equal(hybrid.count, 0);
    },
  );

  await t.step("index rebuild embeds the queue and writes the index file", async () => {
    const rebuilt = json<Record<string, unknown>>(await cli("index", "rebuild"), "index rebuild");
    assert.equal(typeof rebuilt.seconds, "number");
    delete rebuilt.seconds;
    assert.deepEqual(rebuilt, {
      rebuilt: true,
      model: FIXTURE_EMBEDDER,
      dimensions: 64,
      embedded: 3,
      entries: 3,
      pending: 0,
    });
    assert.ok((await Deno.stat(`${db}.vectors`)).size > 3 * 64 * 4);
  });

  await t.step(
    "recall --mode hybrid finds by vector what keyword recall cannot; rerank and check-duplicate work",
    async () => {
      assert.equal((await recall(unknownFive, "keyword")).count, 0);
      const hybrid = await recall(unknownFive, "hybrid");
      assert.equal(hybrid.mode, "hybrid");
      assert.ok(ids(hybrid.memories).includes(stored[2]!.id), JSON.stringify(ids(hybrid.memories)));
      const reranked = await recall(unknownFive, "hybrid+rerank");
      assert.equal(reranked.mode, "hybrid+rerank");
      assert.ok(ids(reranked.memories).includes(stored[2]!.id));
      const check = json<DuplicateCheck>(
        await cli("check-duplicate", "-T", "Office plants", "-c", "Water the ficus on Mondays"),
        "check-duplicate",
      );
      assert.equal(check.is_duplicate, true);
      assert.equal(check.suggested_merge, stored[1]!.id);
      refused(
        await cli("check-duplicate", "-T", "Office plants", "-c", "x", "--threshold", "1.5"),
        "check-duplicate --threshold 1.5",
        { mentions: ["threshold:"] },
      );
    },
  );

  await t.step(
    "index rebuild --no-embed leaves a new memory queued; doctor opens the saved file",
    async () => {
      await store("Parking", "Level two is reserved on Fridays");
      const rebuilt = json<Record<string, unknown>>(
        await cli("index", "rebuild", "--no-embed"),
        "index rebuild",
      );
      assert.equal(rebuilt.embedded, 0);
      assert.equal(rebuilt.entries, 3);
      assert.equal(rebuilt.pending, 1);
      const report = await doctor();
      assert.equal(report.ok, true);
      assert.deepEqual(report.embeddings, { vectors: 3, pending: 1, failing: 0, other_model: 0 });
      assert.deepEqual(report.vector_index, {
        file: `${db}.vectors`,
        file_bytes: (await Deno.stat(`${db}.vectors`)).size,
        entries: 3,
        opened_from: "file",
      });
    },
  );

  await t.step(
    "doctor exits 1 when a model file is altered, with the keyword tier and the reason",
    async () => {
      const altered = await copyFixtureModels(`${dir}/altered`);
      await flipByte(`${altered}/tiny-embedder/onnx/model.onnx`);
      const r = await runCli(["--db", db, "--json", "doctor"], { env: { AI_MEMORY_MODELS_DIR: altered } });
      const report = reportedThenFailed<DoctorReport>(r, "doctor", ["doctor found problems"]);
      assert.equal(report.ok, false);
      assert.equal(report.tier, "keyword");
      assert.equal(report.models[0]!.ok, false);
      assert.match(report.models[0]!.problems[0]!, /^tiny-embedder\/onnx\/model\.onnx: sha256 mismatch/);
      assert.equal(report.models[1]!.ok, true);
      assert.match(report.unavailable[0]!.reason, /tiny-embedder\/onnx\/model\.onnx sha256 mismatch/);
      assert.equal(report.vector_index.entries, null, "no embedder, no index opened");
    },
  );

  await t.step("doctor exits 1 with the start-up error when the configured tier cannot run", async () => {
    const absent = { AI_MEMORY_MODELS_DIR: `${dir}/absent`, AI_MEMORY_TIER: "semantic" };
    const report = reportedThenFailed<DoctorReport>(
      await runCli(["--db", db, "--json", "doctor"], { env: absent }),
      "doctor",
      ["doctor found problems"],
    );
    assert.equal(report.ok, false);
    assert.equal(report.tier, null);
    assert.equal(report.configured_tier, "semantic");
    assert.match(
      report.error!,
      /The semantic tier cannot start: no embedder is listed in the model manifest/,
    );
  });

  await t.step(
    "index rebuild without an embedder is refused as bad input and leaves the file alone",
    async () => {
      const before = await sha256File(`${db}.vectors`);
      const r = await runCli(["--db", db, "--json", "index", "rebuild"], {
        env: { AI_MEMORY_MODELS_DIR: `${dir}/absent` },
      });
      refused(r, "index rebuild", { mentions: ["needs an embedding model"] });
      assert.equal(await sha256File(`${db}.vectors`), before);
      succeeded(await cli("index", "rebuild", "--no-embed"), "index rebuild with the models back");
    },
  );
});
