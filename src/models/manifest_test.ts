import assert from "node:assert/strict";
import { tempDataDir } from "../../test/support/processes.ts";
import { sha256File, sha256Hex } from "../../test/support/sha256.ts";
import { checkModelFolder, type ManifestModel, parseModelManifest } from "./manifest.ts";

const FIXTURES = "test/fixtures/models";
const HASH = "a".repeat(64);

/** A manifest text with one model: an embedder with one file, `fields` merged over it. */
function oneModel(fields: Record<string, unknown>): string {
  const model = {
    name: "mini",
    version: "2.0.0",
    role: "embedder",
    dimensions: 8,
    files: [{ path: "onnx/model.onnx", sha256: HASH }],
    ...fields,
  };
  return JSON.stringify({ format: 1, models: [model] });
}

/** parseModelManifest must throw a TypeError whose message contains every one of `mentions`. */
function refuses(text: string, mentions: string[]): void {
  assert.throws(() => parseModelManifest(text), (error: unknown) => {
    assert.ok(error instanceof TypeError, `a TypeError, not ${String(error)}`);
    for (const m of mentions) assert.ok(error.message.includes(m), `"${error.message}" lacks "${m}"`);
    return true;
  });
}

Deno.test("parseModelManifest reads the fixture manifest: an embedder with its dimensions, a reranker", async () => {
  const models = parseModelManifest(await Deno.readTextFile(`${FIXTURES}/manifest.json`));
  assert.deepEqual(
    models.map((m) => [m.name, m.version, m.role, m.dimensions, m.pooling, m.path, m.files.length]),
    [["tiny-embedder", "1.0.0", "embedder", 64, "mean", "tiny-embedder", 4], [
      "tiny-reranker",
      "1.0.0",
      "reranker",
      undefined,
      undefined,
      "tiny-reranker",
      4,
    ]],
  );
  assert.deepEqual(models[0]!.files.map((f) => f.path), [
    "config.json",
    "onnx/model.onnx",
    "tokenizer.json",
    "tokenizer_config.json",
  ]);
});

Deno.test("parseModelManifest names the field that is wrong", () => {
  const { role: _role, ...withoutRole } = JSON.parse(oneModel({})).models[0];
  refuses(JSON.stringify({ format: 1, models: [withoutRole] }), [
    "models[0]",
    '"role"',
    "embedder, reranker",
  ]);
  refuses(oneModel({ role: "generator" }), ['"role"']);
  refuses(oneModel({ dimensions: undefined }), ["embedder needs", '"dimensions"']);
  refuses(oneModel({ dimensions: 0 }), ['"dimensions"']);
  refuses(oneModel({ dimensions: 8.5 }), ['"dimensions"']);
  refuses(oneModel({ role: "reranker" }), ['"dimensions" and "pooling" are for embedders only']);
  refuses(oneModel({ pooling: "max" }), ['"pooling"']);
  refuses(oneModel({ files: [{ path: "model.onnx", sha256: "ABC" }] }), [
    "files[0]",
    '"sha256"',
    "64 lower-case hex",
  ]);
  refuses(oneModel({ files: [{ path: "model.onnx", sha256: HASH.toUpperCase() }] }), ['"sha256"']);
  refuses(oneModel({ files: [{ path: "../outside.onnx", sha256: HASH }] }), ["files[0]", '"path"', ".."]);
  refuses(oneModel({ files: [{ path: "/etc/passwd", sha256: HASH }] }), ["files[0]", '"path"']);
  refuses(oneModel({ path: "../elsewhere" }), ['path "../elsewhere"', ".."]);
  refuses(oneModel({ path: "a/./b" }), ['path "a/./b"']);
  refuses(oneModel({ files: [] }), ['"files"']);
  refuses(oneModel({ files: [{ path: "m", sha256: HASH }, { path: "m", sha256: HASH }] }), [
    '"m" is listed twice',
  ]);
  refuses(oneModel({ licence: "MIT" }), ['unknown field "licence"', '"license"']);
  refuses(oneModel({ name: "" }), ['"name"']);
  refuses(JSON.stringify({ format: 2, models: [] }), ['"format" must be 1']);
  refuses(JSON.stringify({ format: 1 }), ['"models" must be a list']);
  refuses(
    JSON.stringify({
      format: 1,
      models: [JSON.parse(oneModel({})).models[0], JSON.parse(oneModel({})).models[0]],
    }),
    [
      "mini@2.0.0 is listed twice",
    ],
  );
  assert.throws(() => parseModelManifest("{"), SyntaxError);
});

/** A model folder under ./data with these files, and the manifest entry that lists them exactly. */
async function modelFolder(files: Record<string, string>): Promise<{ dir: string; model: ManifestModel }> {
  const dir = await tempDataDir();
  const listed = [];
  for (const [path, text] of Object.entries(files)) {
    const full = `${dir}/mini/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
    listed.push({ path, sha256: await sha256Hex(new TextEncoder().encode(text)) });
  }
  const [model] = parseModelManifest(oneModel({ files: listed, path: "mini" }));
  return { dir, model: model! };
}

Deno.test("checkModelFolder accepts a folder that matches its manifest entry exactly", async () => {
  const { dir, model } = await modelFolder({ "config.json": "{}", "onnx/model.onnx": "weights" });
  assert.deepEqual(await checkModelFolder(dir, model), []);
  const [fixture] = parseModelManifest(await Deno.readTextFile(`${FIXTURES}/manifest.json`));
  assert.deepEqual(
    await checkModelFolder(FIXTURES, fixture!),
    [],
    "the committed fixtures match their manifest",
  );
});

Deno.test("checkModelFolder reports a missing file, a changed file and a file the manifest does not list", async () => {
  const { dir, model } = await modelFolder({
    "config.json": "{}",
    "onnx/model.onnx": "weights",
    "tokenizer.json": "tokens",
  });
  await Deno.remove(`${dir}/mini/config.json`);
  await Deno.writeTextFile(`${dir}/mini/onnx/model.onnx`, "weightz");
  await Deno.writeTextFile(`${dir}/mini/onnx/extra.onnx_data`, "sidecar");
  const listedHash = model.files.find((f) => f.path === "onnx/model.onnx")!.sha256;
  assert.deepEqual(await checkModelFolder(dir, model), [
    { file: "onnx/extra.onnx_data", problem: "not listed in the manifest" },
    { file: "config.json", problem: "missing" },
    {
      file: "onnx/model.onnx",
      problem: "sha256 mismatch",
      detail: `manifest ${listedHash}, file ${await sha256File(`${dir}/mini/onnx/model.onnx`)}`,
    },
  ]);
});

Deno.test("checkModelFolder reports a model folder that is not there as missing", async () => {
  const dir = await tempDataDir();
  const [model] = parseModelManifest(oneModel({}));
  assert.deepEqual(await checkModelFolder(dir, model!), [{ file: ".", problem: "missing" }]);
});
