// Tests of the SBOM generator (scripts/sbom.ts) and the licence check (scripts/licence_check.ts): on
// the real lockfile, and on synthetic lockfiles, node_modules and model folders under ./data/tmp.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { main as licenceCheck } from "../../scripts/licence_check.ts";
import { generateSbom, main as sbomMain } from "../../scripts/sbom.ts";
import type { Output } from "../../scripts/sbom/output.ts";
import { disallowedTerms, parseSpdxExpression } from "../../scripts/sbom/spdx.ts";
import { VERSION } from "../../src/version.ts";
import { tempDataDir } from "../support/processes.ts";

// Paths at the repository root that the tests read besides ./data, ./node_modules, ./src, ./test.
const LOCK = "package-lock.json";
const MANIFEST = "models/manifest.json";
const ALLOWLIST = "sbom/licence-allowlist.json";
const COMMITTED_SBOM = "sbom/ai-memory.cdx.json";

interface Component {
  type: string;
  "bom-ref": string;
  group?: string;
  name: string;
  version?: string;
  scope?: string;
  hashes?: { alg: string; content: string }[];
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
  purl?: string;
  properties?: { name: string; value: string }[];
  components?: Component[];
}
interface Bom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  version: number;
  metadata: { timestamp?: string; component: Component; tools: unknown };
  components: Component[];
  dependencies: { ref: string; dependsOn: string[] }[];
}
interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  dev?: boolean;
  optional?: boolean;
}

function capture(): { output: Output; text: () => { out: string; err: string } } {
  let out = "";
  let err = "";
  return {
    output: { out: (t) => void (out += t), err: (t) => void (err += t) },
    text: () => ({ out, err }),
  };
}

function expectedPurl(lockPath: string, version: string): string {
  const name = lockPath.slice(lockPath.lastIndexOf("node_modules/") + "node_modules/".length);
  return `pkg:npm/${name.replace(/^@/, "%40")}@${version.replaceAll("+", "%2B")}`;
}

function licenceOf(component: Component | undefined): string | undefined {
  const choice = component?.licenses?.[0];
  if (choice === undefined) return undefined;
  return "expression" in choice ? choice.expression : choice.license.id ?? choice.license.name;
}

function property(component: Component | undefined, name: string): string[] {
  return (component?.properties ?? []).filter((p) => p.name === name).map((p) => p.value);
}

function sha512Hex(sri: string): string {
  const binary = atob(sri.slice("sha512-".length));
  return [...binary].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

async function realBom(): Promise<{ text: string; bom: Bom; lock: Record<string, LockEntry> }> {
  const { text } = await generateSbom({ lock: LOCK, models: MANIFEST });
  const lock = JSON.parse(await Deno.readTextFile(LOCK)).packages as Record<string, LockEntry>;
  return { text, bom: JSON.parse(text) as Bom, lock };
}

Deno.test("generateSbom() lists every lockfile package with its version, hash, licence and scope", async () => {
  const { bom, lock } = await realBom();
  const byPurl = new Map(bom.components.map((c) => [c.purl, c]));
  let packages = 0;
  for (const [path, entry] of Object.entries(lock)) {
    if (path === "") continue;
    packages++;
    const purl = expectedPurl(path, entry.version);
    const component = byPurl.get(purl);
    assert.ok(component, `${path} has no component ${purl}`);
    assert.equal(component.version, entry.version);
    assert.ok(property(component, "cdx:npm:package:path").includes(path), `${purl} lacks path ${path}`);
    if (entry.resolved?.startsWith("file:vendor/npm-stubs/")) {
      // A stand-in kept in this repository (vendor/npm-stubs): its source is the repo, no registry hash.
      assert.equal(entry.integrity, undefined, `${path}: a local stand-in has no registry integrity`);
      assert.equal(component.hashes, undefined, purl);
    } else {
      const integrity = entry.integrity ?? "";
      assert.ok(integrity.startsWith("sha512-"), `${path}: the real lockfile has sha512 integrity`);
      assert.deepEqual(component.hashes, [{ alg: "SHA-512", content: sha512Hex(integrity) }], purl);
    }
    assert.ok(entry.license, `${path}: the real lockfile declares a licence`);
    assert.equal(licenceOf(component), entry.license, purl);
    assert.equal(component.scope, entry.dev ? "excluded" : entry.optional ? "optional" : "required", purl);
  }
  assert.ok(packages > 50, `only ${packages} lockfile packages`);
  const npmComponents = bom.components.filter((c) => c.purl?.startsWith("pkg:npm/"));
  const distinct = new Set(
    Object.entries(lock).filter(([p]) => p !== "").map(([p, e]) => expectedPurl(p, e.version)),
  );
  assert.equal(npmComponents.length, distinct.size, "one component per name@version, nothing more");
});

Deno.test("generateSbom() writes valid-looking CycloneDX 1.6 with the product, runtime and dependency graph", async () => {
  const { bom, lock } = await realBom();
  assert.equal(bom.bomFormat, "CycloneDX");
  assert.equal(bom.specVersion, "1.6");
  assert.equal(bom.version, 1);
  assert.match(
    bom.serialNumber,
    /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.equal(bom.metadata.timestamp, undefined, "no timestamp: it would break reproducibility");
  assert.equal(bom.metadata.component.name, "ai-memory");
  assert.equal(bom.metadata.component.version, VERSION);
  assert.deepEqual(bom.metadata.component.licenses, [{ license: { id: "Apache-2.0" } }]);

  const purls = bom.components.map((c) => c.purl ?? "");
  assert.deepEqual(purls, [...purls].sort(), "components sorted by purl");
  const refs = new Set(bom.components.map((c) => c["bom-ref"]));
  assert.equal(refs.size, bom.components.length, "bom-refs are unique");
  refs.add(bom.metadata.component["bom-ref"]);
  assert.deepEqual(new Set(bom.dependencies.map((d) => d.ref)), refs, "one dependency entry per component");
  for (const { ref, dependsOn } of bom.dependencies) {
    for (const target of dependsOn) assert.ok(refs.has(target), `${ref} depends on unknown ${target}`);
  }

  const deno = lock["node_modules/deno"] as LockEntry;
  const runtime = bom.components.find((c) => c.type === "platform" && c.name === "deno");
  assert.ok(runtime, "the Deno runtime is a component");
  assert.equal(runtime.version, deno.version);
  assert.equal(runtime.scope, "required");
  const runtimeDeps = bom.dependencies.find((d) => d.ref === runtime["bom-ref"])?.dependsOn ?? [];
  assert.ok(runtimeDeps.includes(`pkg:npm/deno@${deno.version}`));
  assert.ok(runtimeDeps.includes(`pkg:npm/%40deno/linux-x64-glibc@${deno.version}`));

  const root = bom.dependencies.find((d) => d.ref === bom.metadata.component["bom-ref"])?.dependsOn ?? [];
  assert.ok(root.includes(runtime["bom-ref"]), "the product depends on the runtime");
  const hono = lock["node_modules/hono"] as LockEntry;
  assert.ok(root.includes(`pkg:npm/hono@${hono.version}`), "the product depends on its direct dependencies");
  const express = bom.dependencies.find((d) => d.ref.startsWith("pkg:npm/express@"))?.dependsOn ?? [];
  assert.ok(express.includes("pkg:npm/content-type@2.1.0"), "nested node_modules resolve first");
});

Deno.test("sbom.ts: two runs write byte-identical files, and the committed SBOM is up to date", async () => {
  const dir = await tempDataDir();
  try {
    const args = ["--lock", LOCK, "--models", MANIFEST, "--out"];
    const first = capture();
    assert.equal(await sbomMain([...args, `${dir}/a.json`], first.output), 0, first.text().err);
    assert.equal(await sbomMain([...args, `${dir}/b.json`], capture().output), 0);
    const a = await Deno.readFile(`${dir}/a.json`);
    assert.deepEqual(a, await Deno.readFile(`${dir}/b.json`));
    const committed = await Deno.readTextFile(COMMITTED_SBOM);
    assert.ok(
      committed === new TextDecoder().decode(a),
      `${COMMITTED_SBOM} is stale: run the sbom task and commit the result`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("licence_check.ts passes on the real tree", async () => {
  const run = capture();
  const code = await licenceCheck(["--sbom", COMMITTED_SBOM, "--allowlist", ALLOWLIST], run.output);
  assert.equal(code, 0, run.text().err);
  assert.match(run.text().out, /^Licence check passed: \d+ components/);
});

/** A synthetic project: lockfile, node_modules with package.json files, and a model folder. */
async function syntheticTree(dir: string, modelSha256?: string): Promise<void> {
  const sri = (alg: string, bytes: number, fill: number) =>
    `${alg}-${btoa(String.fromCharCode(...new Uint8Array(bytes).fill(fill)))}`;
  const lock = {
    name: "demo",
    version: VERSION,
    lockfileVersion: 3,
    packages: {
      "": {
        name: "demo",
        version: VERSION,
        dependencies: { "@acme/tool": "1.0.0", gpl: "1.0.0", dual: "1.0.0" },
      },
      "node_modules/@acme/tool": {
        version: "1.0.0+build.7",
        integrity: `${sri("sha512", 64, 1)} ${sri("sha1", 20, 2)}`,
        license: "MIT",
        dependencies: { nested: "^2.0.0", fallback: "1.0.0" },
        optionalDependencies: { opt: "1.0.0" },
      },
      "node_modules/@acme/tool/node_modules/nested": { version: "2.0.0", integrity: sri("sha384", 48, 3) },
      "node_modules/nested": { version: "1.0.0", integrity: sri("sha512", 64, 4), license: "ISC" },
      "node_modules/fallback": { version: "1.0.0", integrity: sri("sha512", 64, 5) },
      "node_modules/opt": {
        version: "1.0.0",
        integrity: sri("sha512", 64, 6),
        license: "MIT",
        optional: true,
      },
      "node_modules/gpl": { version: "1.0.0", integrity: sri("sha512", 64, 7), license: "GPL-3.0-only" },
      "node_modules/dual": {
        version: "1.0.0",
        integrity: sri("sha512", 64, 8),
        license: "(MIT OR Apache-2.0)",
      },
      "node_modules/devtool": {
        version: "3.0.0",
        integrity: sri("sha512", 64, 9),
        license: "MIT",
        dev: true,
      },
    },
  };
  await Deno.writeTextFile(`${dir}/package-lock.json`, JSON.stringify(lock));
  await Deno.mkdir(`${dir}/node_modules/fallback`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/node_modules/fallback/package.json`,
    JSON.stringify({ license: "BSD-2-Clause" }),
  );
  await Deno.mkdir(`${dir}/node_modules/@acme/tool/node_modules/nested`, { recursive: true });
  await Deno.writeTextFile(`${dir}/node_modules/@acme/tool/node_modules/nested/package.json`, "{}");
  await Deno.mkdir(`${dir}/models/tiny`, { recursive: true });
  const weights = new TextEncoder().encode("not really weights\n");
  await Deno.writeFile(`${dir}/models/tiny/model.onnx`, weights);
  const sha256 = modelSha256 ?? createHash("sha256").update(weights).digest("hex");
  const manifest = {
    format: 1,
    models: [{
      name: "tiny",
      version: "1.0",
      role: "reranker",
      license: "Apache-2.0",
      files: [{ path: "model.onnx", sha256 }, { path: "config.json", sha256: "0".repeat(64) }],
    }],
  };
  await Deno.writeTextFile(`${dir}/models/manifest.json`, JSON.stringify(manifest));
}

Deno.test("generateSbom() on a synthetic tree: purl encoding, hashes, licence fallback and unknown, scope, models", async () => {
  const dir = await tempDataDir();
  try {
    await syntheticTree(dir);
    const result = await generateSbom({
      lock: `${dir}/package-lock.json`,
      models: `${dir}/models/manifest.json`,
    });
    const bom = JSON.parse(result.text) as Bom;
    const byPurl = new Map(bom.components.map((c) => [c.purl, c]));

    const tool = byPurl.get("pkg:npm/%40acme/tool@1.0.0%2Bbuild.7");
    assert.ok(tool, `scoped purl: ${[...byPurl.keys()].join(" ")}`);
    assert.equal(tool.group, "@acme");
    assert.equal(tool.name, "tool");
    assert.deepEqual(tool.hashes, [
      { alg: "SHA-1", content: "02".repeat(20) },
      { alg: "SHA-512", content: "01".repeat(64) },
    ]);
    assert.deepEqual(byPurl.get("pkg:npm/nested@2.0.0")?.hashes, [{
      alg: "SHA-384",
      content: "03".repeat(48),
    }]);

    const fallback = byPurl.get("pkg:npm/fallback@1.0.0");
    assert.equal(licenceOf(fallback), "BSD-2-Clause", "licence read from node_modules/fallback/package.json");
    assert.deepEqual(property(fallback, "ai-memory:licence:source"), ["package.json"]);
    const unknown = byPurl.get("pkg:npm/nested@2.0.0");
    assert.equal(unknown?.licenses, undefined, "no licence is invented");
    assert.deepEqual(property(unknown, "ai-memory:licence:source"), ["unknown"]);
    assert.ok(result.notes.some((n) => n.includes("pkg:npm/nested@2.0.0") && n.includes("no licence")));
    assert.deepEqual(byPurl.get("pkg:npm/dual@1.0.0")?.licenses, [{ expression: "(MIT OR Apache-2.0)" }]);

    assert.equal(byPurl.get("pkg:npm/devtool@3.0.0")?.scope, "excluded");
    assert.deepEqual(property(byPurl.get("pkg:npm/devtool@3.0.0"), "cdx:npm:package:development"), ["true"]);
    assert.equal(byPurl.get("pkg:npm/opt@1.0.0")?.scope, "optional");
    assert.equal(byPurl.get("pkg:npm/gpl@1.0.0")?.scope, "required");
    assert.equal(bom.components.some((c) => c.type === "platform"), false, "no deno in this lockfile");

    const toolDeps = bom.dependencies.find((d) => d.ref === tool["bom-ref"])?.dependsOn;
    assert.deepEqual(toolDeps, ["pkg:npm/fallback@1.0.0", "pkg:npm/nested@2.0.0", "pkg:npm/opt@1.0.0"]);

    const model = byPurl.get("pkg:generic/tiny@1.0");
    assert.equal(model?.type, "machine-learning-model");
    assert.deepEqual(model?.licenses, [{ license: { id: "Apache-2.0" } }]);
    assert.equal(model?.hashes?.length, 2);
    assert.ok(model?.hashes?.every((h) => h.alg === "SHA-256" && /^[0-9a-f]{64}$/.test(h.content)));
    assert.deepEqual(model?.components?.map((f) => f.name), ["config.json", "model.onnx"]);
    assert.ok(result.notes.some((n) => n.includes("config.json is not present")));
    const root = bom.dependencies.find((d) => d.ref === bom.metadata.component["bom-ref"])?.dependsOn;
    assert.ok(root?.includes("pkg:generic/tiny@1.0"), "the product depends on its models");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generateSbom() refuses a model file whose SHA-256 differs from the manifest", async () => {
  const dir = await tempDataDir();
  try {
    await syntheticTree(dir, "a".repeat(64));
    await assert.rejects(
      generateSbom({ lock: `${dir}/package-lock.json`, models: `${dir}/models/manifest.json` }),
      /model\.onnx has SHA-256 [0-9a-f]{64}, the manifest says a{64}/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("licence_check.ts fails on a synthetic SBOM with a GPL-3.0-only and an unknown licence", async () => {
  const dir = await tempDataDir();
  try {
    await syntheticTree(dir);
    const out = `${dir}/bom.json`;
    const models = `${dir}/models/manifest.json`;
    assert.equal(
      await sbomMain(
        ["--lock", `${dir}/package-lock.json`, "--models", models, "--out", out],
        capture().output,
      ),
      0,
    );
    const run = capture();
    assert.equal(await licenceCheck(["--sbom", out, "--allowlist", ALLOWLIST], run.output), 1);
    const { err, out: stdout } = run.text();
    assert.equal(stdout, "");
    assert.match(err, /pkg:npm\/gpl@1\.0\.0 {2}GPL-3\.0-only {2}not allowed: GPL-3\.0-only/);
    assert.match(err, /pkg:npm\/nested@2\.0\.0 {2}\(no licence\) {2}no licence declared/);
    assert.match(err, /^Licence check failed: 2 of \d+ components/);
    assert.ok(!err.includes("pkg:npm/dual@"), "(MIT OR Apache-2.0) passes");

    await Deno.writeTextFile(
      `${dir}/allow.json`,
      JSON.stringify(["MIT", "ISC", "Apache-2.0", "BSD-2-Clause"]),
    );
    const narrow = capture();
    assert.equal(await licenceCheck(["--sbom", out, "--allowlist", `${dir}/allow.json`], narrow.output), 1);
    assert.ok(narrow.text().err.includes("gpl@1.0.0"));
    assert.equal(
      await licenceCheck(["--sbom", `${dir}/missing.json`, "--allowlist", ALLOWLIST], capture().output),
      2,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("disallowedTerms(): OR needs one allowed side, AND needs both, WITH is matched whole", () => {
  const allowed = new Set(["mit", "isc", "apache-2.0"]);
  const check = (text: string) => disallowedTerms(parseSpdxExpression(text), allowed);
  assert.deepEqual(check("MIT"), []);
  assert.deepEqual(check("mit"), [], "ids compare case-insensitively");
  assert.deepEqual(check("(MIT OR Apache-2.0)"), []);
  assert.deepEqual(check("GPL-3.0-only OR MIT"), []);
  assert.deepEqual(check("MIT AND GPL-3.0-only"), ["GPL-3.0-only"]);
  assert.deepEqual(check("(GPL-2.0-only OR LGPL-3.0-only) AND ISC"), ["GPL-2.0-only", "LGPL-3.0-only"]);
  assert.deepEqual(check("MIT OR GPL-3.0-only AND ISC"), [], "AND binds tighter than OR");
  assert.deepEqual(check("GPL-2.0-only WITH Classpath-exception-2.0"), [
    "GPL-2.0-only WITH Classpath-exception-2.0",
  ]);
  for (const bad of ["SEE LICENSE IN LICENSE.md", "MIT OR", "(MIT", "MIT Apache-2.0", ""]) {
    assert.throws(() => parseSpdxExpression(bad), SyntaxError, bad);
  }
});
