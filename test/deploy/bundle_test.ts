// The offline bundle end to end: build it (fast gzip), unpack it into an empty directory, verify
// SHA256SUMS with sha256sum, then store and recall through bin/ai-memory in a process with no network
// (`unshare -n`, a fresh network namespace holding only a loopback that is down) and an empty DENO_DIR.
import assert from "node:assert/strict";
import { VERSION } from "../../src/version.ts";
import { tempDataDir } from "../support/processes.ts";

const decoder = new TextDecoder();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    clearEnv: options.env !== undefined,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

function ok(r: Run, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** The flags of the `bundle` task, with the output under the test's own directory. */
function bundleFlags(outDir: string): string[] {
  return [
    `--allow-read=./src,./node_modules,./deno.json,./package.json,./package-lock.json,./LICENSE,./README.md,` +
    `./models,./sbom,${outDir}`,
    `--allow-write=${outDir}`,
    "--allow-run=tar,gzip",
    "--allow-env=SOURCE_DATE_EPOCH",
  ];
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${dir}/${prefix}` : dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await filesUnder(dir, rel));
    else out.push(rel);
  }
  return out;
}

async function requireUnshare(): Promise<void> {
  let r: Run;
  try {
    r = await run("unshare", ["-n", "true"]);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new Error(
        `The test permission set must allow running unshare, tar and sha256sum: ${err.message}`,
      );
    }
    throw new Error(`This test needs \`unshare -n\` (util-linux) to cut the network off: ${err}`);
  }
  if (r.code !== 0) {
    throw new Error(
      `\`unshare -n true\` failed (exit ${r.code}: ${r.stderr.trim()}): this test runs the bundle in a ` +
        "network namespace of its own and needs root or CAP_SYS_ADMIN (or unprivileged user namespaces)",
    );
  }
}

Deno.test("bundle: unpacked into an empty directory, it verifies and stores/recalls with no network", async (t) => {
  await requireUnshare();
  const work = await Deno.realPath(await tempDataDir());
  try {
    const outDir = `${work}/dist`;
    let archive = "";
    await t.step("deno task bundle builds the archive and its checksum", async () => {
      const built = ok(
        await run(Deno.execPath(), [
          "run",
          ...bundleFlags(outDir),
          "scripts/bundle.ts",
          "--out-dir",
          outDir,
          "--gzip-level",
          "1",
        ]),
        "bundle",
      );
      assert.match(built, /node_modules before pruning: .* after pruning/s);
      const names = await entries(outDir);
      const tarball = names.find((n) => n.endsWith(".tar.gz"));
      assert.ok(tarball, `no archive in ${names}`);
      const os = Deno.build.os;
      const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
      assert.equal(tarball, `ai-memory-${VERSION}-${os}-${arch}.tar.gz`);
      assert.deepEqual(names, [tarball, `${tarball}.sha256`], "only the archive and its checksum are left");
      archive = `${outDir}/${tarball}`;
      ok(
        await run("sha256sum", ["-c", "--strict", `${tarball}.sha256`], { cwd: outDir }),
        "archive checksum",
      );
    });

    const unpacked = `${work}/unpacked`;
    await Deno.mkdir(unpacked);
    assert.deepEqual(await entries(unpacked), [], "the target directory starts empty");
    let root = "";
    await t.step("it unpacks to one directory whose SHA256SUMS covers every file", async () => {
      ok(await run("tar", ["-xzf", archive, "-C", unpacked]), "tar -x");
      const top = await entries(unpacked);
      assert.equal(top.length, 1, `one top-level directory, got ${top}`);
      root = `${unpacked}/${top[0]}`;
      const listed = ok(
        await run("sha256sum", ["-c", "--strict", "SHA256SUMS"], { cwd: root }),
        "sha256sum -c",
      );
      const verified = listed.trim().split("\n").map((l) => l.replace(/: OK$/, ""));
      const files = (await filesUnder(root)).filter((f) => f !== "SHA256SUMS").sort();
      assert.deepEqual(verified.slice().sort(), files, "SHA256SUMS lists every file but itself");
      for (const f of ["bin/ai-memory", "node_modules/deno/deno", "src/launch.ts", "deno.json", "LICENSE"]) {
        assert.ok(files.includes(f), `${f} is in the bundle`);
      }
      const sums = await Deno.readTextFile(`${root}/SHA256SUMS`);
      const paths = sums.trim().split("\n").map((l) => l.slice(66));
      assert.deepEqual(paths, paths.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), "sorted by path");
    });

    await t.step("with no network and an empty DENO_DIR, bin/ai-memory stores and recalls", async () => {
      const netdev = ok(await run("unshare", ["-n", "cat", "/proc/net/dev"]), "unshare -n cat /proc/net/dev");
      const ifaces = netdev.split("\n").slice(2).map((l) => l.trim().split(":")[0]).filter((n) => n);
      assert.deepEqual(ifaces, ["lo"], "inside unshare -n only the loopback interface exists");

      const denoDir = `${work}/deno-dir`;
      await Deno.mkdir(denoDir);
      assert.deepEqual(await entries(denoDir), []);
      const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", AI_MEMORY_DENO_DIR: denoDir };
      const db = `${work}/db/m.db`;
      const cli = (args: string[]) =>
        run("unshare", ["-n", `${root}/bin/ai-memory`, "--db", db, ...args], { env });

      const stored = JSON.parse(
        ok(
          await cli([
            "store",
            "--title",
            "Offline fjord",
            "--content",
            "The bundle ran with no network",
            "--json",
          ]),
          "store",
        ),
      );
      assert.equal(stored.action, "created");
      const recalled = JSON.parse(ok(await cli(["recall", "fjord network", "--json"]), "recall"));
      assert.equal(recalled.memories.length, 1);
      assert.equal(recalled.memories[0].id, stored.id);
      assert.equal(recalled.memories[0].title, "Offline fjord");
      assert.equal(recalled.memories[0].content, "The bundle ran with no network");

      assert.ok((await entries(denoDir)).length > 0, "Deno cached into the given, initially empty DENO_DIR");
      assert.ok(!(await entries(root)).includes(".deno"), "nothing cached inside the bundle");
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
