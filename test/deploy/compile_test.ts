// The compile task without real denort archives (none can be downloaded here): it names the exact
// file to place for each missing target, refuses unlisted or mismatching archives, and uses a seeded
// archive with the network cut off instead of downloading. Plus its pure helpers.
import assert from "node:assert/strict";
import { compilePermissionFlags, officialUrls, parseSums, TARGETS } from "../../scripts/compile.ts";
import { pruneReason } from "../../scripts/deploy/tree.ts";
import { tempDataDir } from "../support/processes.ts";
import { sha256Hex } from "../support/sha256.ts";

const decoder = new TextDecoder();
const VERSION = Deno.version.deno; // compile.ts runs on this same binary

async function compile(
  work: string,
  args: string[],
  options: { offline?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const denoArgs = [
    "run",
    `--allow-read=./deno.json,./package.json,./src,./node_modules,${work}`,
    `--allow-write=${work}/out`,
    "--allow-run=./node_modules/deno/deno",
    "scripts/compile.ts",
    "--vendor-dir",
    `${work}/vendor`,
    "--out-dir",
    `${work}/out`,
    ...args,
  ];
  const [cmd, cmdArgs] = options.offline
    ? ["unshare", ["-n", Deno.execPath(), ...denoArgs]]
    : [Deno.execPath(), denoArgs];
  const out = await new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function binaries(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.name.startsWith("ai-memory-")) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names;
}

Deno.test("compile: with an empty vendor dir it names the exact archive path and URL of every target", async () => {
  const work = await Deno.realPath(await tempDataDir());
  try {
    await Deno.mkdir(`${work}/vendor`);
    const r = await compile(work, []);
    assert.equal(r.code, 1, `exit 1 when a target is missing; stderr: ${r.stderr}`);
    for (const [target, { triple }] of Object.entries(TARGETS)) {
      const path = `${work}/vendor/${VERSION}/denort-${triple}.zip`;
      assert.ok(r.stderr.includes(`${target}: missing denort archive`), `${target} reported: ${r.stderr}`);
      assert.ok(r.stderr.includes(`place it at: ${path}\n`), `${target}: names ${path}`);
      assert.ok(r.stderr.includes(officialUrls(VERSION, triple).dl), `${target}: names the official URL`);
    }
    assert.match(r.stdout, /built: none; not built: linux-x64, linux-arm64, darwin-arm64, windows-x64/);
    assert.deepEqual(await binaries(`${work}/out`), []);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("compile: a listed archive is seeded and used offline; unlisted or mismatching ones are refused", async () => {
  const work = await Deno.realPath(await tempDataDir());
  try {
    const dir = `${work}/vendor/${VERSION}`;
    await Deno.mkdir(dir, { recursive: true });
    // Not a real runtime: deno compile must open it (and fail) rather than try to download one.
    const fake = new TextEncoder().encode("not a denort archive\n");
    await Deno.writeFile(`${dir}/denort-aarch64-unknown-linux-gnu.zip`, fake);
    await Deno.writeFile(`${dir}/denort-aarch64-apple-darwin.zip`, fake);
    await Deno.writeFile(`${dir}/denort-x86_64-pc-windows-msvc.zip`, fake);
    await Deno.writeTextFile(
      `${work}/vendor/SHA256SUMS`,
      `${await sha256Hex(fake)}  ${VERSION}/denort-aarch64-unknown-linux-gnu.zip\n` +
        `${"0".repeat(64)}  ${VERSION}/denort-aarch64-apple-darwin.zip\n`,
    );
    const r = await compile(work, ["--no-check"], { offline: true });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /linux-x64: missing denort archive/);
    assert.match(r.stderr, /darwin-arm64: checksum mismatch for .*denort-aarch64-apple-darwin\.zip/);
    assert.match(r.stderr, /windows-x64: .*denort-x86_64-pc-windows-msvc\.zip is not listed in .*SHA256SUMS/);
    assert.match(r.stdout, /linux-arm64: deno compile --target aarch64-unknown-linux-gnu /);
    assert.match(
      r.stdout,
      / --allow-read=\.\/data,\.\/models --allow-write=\.\/data --allow-net=127\.0\.0\.1,localhost --allow-ffi /,
    );
    assert.match(r.stderr, /linux-arm64: deno compile failed:\n[\s\S]*Failed to unpack archive/);
    assert.doesNotMatch(r.stderr, /error sending request|dns error|Download http/i, "no download was tried");
    assert.match(r.stdout, /built: none; not built: linux-x64, linux-arm64, darwin-arm64, windows-x64/);
    assert.deepEqual(await binaries(`${work}/out`), []);
    assert.deepEqual(
      [...Deno.readDirSync(`${work}/out`)],
      [],
      "the private DENO_DIR and staging are removed",
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("compilePermissionFlags() turns the serve set into flags that hold on another machine", () => {
  const flags = compilePermissionFlags({
    read: ["./data", "./node_modules/better-sqlite3-multiple-ciphers/prebuilds/linux-x64.node"],
    write: ["./data"],
    net: ["127.0.0.1", "localhost"],
    ffi: ["./node_modules/better-sqlite3-multiple-ciphers/prebuilds/linux-x64.node"],
    env: ["AI_MEMORY_DB", "AI_MEMORY_PORT"],
  });
  assert.deepEqual(flags, [
    "--allow-read=./data",
    "--allow-write=./data",
    "--allow-net=127.0.0.1,localhost",
    "--allow-ffi",
    "--allow-env=AI_MEMORY_DB,AI_MEMORY_PORT",
    "--no-prompt",
  ]);
});

Deno.test("parseSums() reads sha256sum output and rejects anything else", () => {
  const hex = "AB".repeat(32);
  const sums = parseSums(`${hex}  2.9.6/denort-x.zip\n${"0".repeat(64)} *./2.9.6/denort-y.zip\n\n`);
  assert.equal(sums.get("2.9.6/denort-x.zip"), hex.toLowerCase());
  assert.equal(sums.get("2.9.6/denort-y.zip"), "0".repeat(64));
  assert.throws(() => parseSums("Algorithm : SHA256\n"), /line 1 is not/);
});

Deno.test("pruneReason() keeps package.json, licences and the platform's own SQLite prebuild", () => {
  const linux = { os: "linux", arch: "x64" };
  const p = "better-sqlite3-multiple-ciphers";
  assert.equal(pruneReason(`${p}/prebuilds/linux-x64.node`, linux), null);
  assert.notEqual(pruneReason(`${p}/prebuilds/linuxmusl-x64.node`, linux), null);
  assert.notEqual(pruneReason(`${p}/prebuilds/win32-x64.node`, linux), null);
  assert.equal(pruneReason(`${p}/prebuilds/win32-x64.node`, { os: "win32", arch: "x64" }), null);
  assert.notEqual(pruneReason(`${p}/deps/sqlite3/sqlite3.c`, linux), null);
  assert.equal(pruneReason(`${p}/lib/index.js`, linux), null);
  assert.equal(pruneReason("@deno/linux-x64-glibc/package.json", linux), null);
  assert.notEqual(pruneReason("@deno/linux-x64-glibc/deno", linux), null);
  assert.equal(pruneReason("@types/node/package.json", linux), null);
  assert.notEqual(pruneReason("@types/node/index.d.ts", linux), null);
  assert.equal(pruneReason("deno/deno", linux), null);
  assert.notEqual(pruneReason("deno/deno", linux, { dropDeno: true }), null);
  assert.equal(pruneReason("zod/LICENSE.md", linux), null);
  assert.notEqual(pruneReason("zod/README.md", linux), null);
  assert.notEqual(pruneReason("qs/test/parse.js", linux), null);
  assert.equal(pruneReason("@modelcontextprotocol/sdk/dist/esm/examples/server/x.js", linux), null);
  assert.notEqual(pruneReason(".bin/deno", linux), null);
});
