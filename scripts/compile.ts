// `deno task compile`: one self-contained binary per target with the serve permission set baked in,
// built only from vendored, checksummed `denort` archives. It never downloads anything.
/**
 * Usage: `deno task compile [--target NAME]... [--vendor-dir DIR] [--out-dir DIR] [--no-check]`
 *
 * For each target (default: all of {@link TARGETS}):
 * 1. the runtime archive must be at `<vendor-dir>/<deno version>/denort-<triple>.zip` and listed with a
 *    matching SHA-256 in `<vendor-dir>/SHA256SUMS` (`sha256sum` format, paths relative to
 *    `<vendor-dir>`); a missing archive is reported with the exact path to fill and the official URL
 *    of the same file (vendor/denort/README.md says how to fetch and check them on a connected machine);
 * 2. the archive is copied into a fresh, private `DENO_DIR` at `dl/release/v<version>/denort-<triple>.zip`,
 *    where `deno compile` looks before it would download;
 * 3. `deno compile --target <triple>` runs in a clean staging directory (`src/`, `deno.json`,
 *    `package.json` and `node_modules` pruned for the target as in the bundle, without the Deno CLI):
 *    `deno compile` embeds every `node_modules` directory below its working directory, so compiling
 *    in the checkout would also embed unpacked bundles under `data/` or `dist/`. It runs with that
 *    `DENO_DIR`, no other environment (the npm registry and HTTP(S) proxies point at a closed local
 *    port, so a stray fetch fails at once), `--cached-only --no-remote`, and the permission flags of
 *    {@link compilePermissionFlags}. Type checking runs once beforehand, in the checkout.
 * Targets that have their archive are built even when others are missing; the exit code is 1 if any
 * target was not built. Binaries go to `<out-dir>/ai-memory-<version>-<target>[.exe]` with a
 * `SHA256SUMS` of those built by the run.
 * @module
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import { copyInto, copyPrunedNodeModules, listFiles, mb, type Platform, sha256Hex } from "./deploy/tree.ts";

/** The compile targets: npm-style name -> Rust target triple, platform (picks the SQLite prebuild), file extension. */
export const TARGETS: Record<string, { triple: string; platform: Platform; ext: string }> = {
  "linux-x64": { triple: "x86_64-unknown-linux-gnu", platform: { os: "linux", arch: "x64" }, ext: "" },
  "linux-arm64": { triple: "aarch64-unknown-linux-gnu", platform: { os: "linux", arch: "arm64" }, ext: "" },
  "darwin-arm64": { triple: "aarch64-apple-darwin", platform: { os: "darwin", arch: "arm64" }, ext: "" },
  "windows-x64": { triple: "x86_64-pc-windows-msvc", platform: { os: "win32", arch: "x64" }, ext: ".exe" },
};

const USAGE = `Usage: scripts/compile.ts [--target NAME]... [--vendor-dir DIR] [--out-dir DIR] [--no-check]
Builds ai-memory binaries from vendored denort archives (never downloads; see vendor/denort/README.md).
  --target NAME     one of ${Object.keys(TARGETS).join(", ")} (repeatable; default all)
  --vendor-dir DIR  where <deno version>/denort-<triple>.zip and SHA256SUMS are (default vendor/denort)
  --out-dir DIR     where the binaries go (default dist/compile)
  --no-check        skip type checking (deno task check does it)
`;

/** A closed local port: any request sent there fails at once, without leaving the host. */
const DEAD_ENDPOINT = "http://127.0.0.1:9/";

/** The official addresses of one release archive (the same file on both). */
export function officialUrls(version: string, triple: string): { dl: string; github: string } {
  const file = `denort-${triple}.zip`;
  return {
    dl: `https://dl.deno.land/release/v${version}/${file}`,
    github: `https://github.com/denoland/deno/releases/download/v${version}/${file}`,
  };
}

/** Where the vendored archive of `triple` must be, relative to the vendor directory. */
export function archiveName(version: string, triple: string): string {
  return `${version}/denort-${triple}.zip`;
}

/**
 * Parse a `sha256sum` file into path -> lower-case hex digest.
 * @throws {Error} on a line that is not `<64 hex>  <path>` (or `<64 hex> *<path>`)
 */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (!m) throw new Error(`SHA256SUMS line ${i + 1} is not "<sha256>  <path>": ${line}`);
    sums.set(m[2]!.replace(/^\.\//, ""), m[1]!.toLowerCase());
  }
  return sums;
}

interface PermissionSet {
  [kind: string]: boolean | string[] | undefined;
}

/**
 * The serve permission set of deno.json as explicit `deno compile` flags.
 * - `-P=serve` would bake the build machine's absolute paths into the binary (observed with Deno
 *   2.9.6), so each entry is passed as written; relative paths are resolved at run time against the
 *   working directory (`./data`).
 * - Paths inside `node_modules` are dropped from `read`: a compiled binary reads its embedded files
 *   without a grant. `ffi` cannot name the SQLite addon, because at run time it lives at
 *   `$TMPDIR/deno-compile-<binary name>/node_modules/...`, which depends on the host and on the binary's
 *   file name; so it becomes a plain `--allow-ffi` (as with any loaded native addon, native code runs
 *   with the process's rights either way).
 * - `--no-prompt`: a denied access fails with a clear error instead of asking on a terminal.
 */
export function compilePermissionFlags(set: PermissionSet): string[] {
  const flags: string[] = [];
  for (const [kind, value] of Object.entries(set)) {
    if (value === undefined || value === false) continue;
    if (kind === "ffi") {
      flags.push("--allow-ffi");
      continue;
    }
    if (value === true) {
      flags.push(`--allow-${kind}`);
      continue;
    }
    const entries = kind === "read" || kind === "write"
      ? value.filter((p) => !p.replace(/^\.\//, "").startsWith("node_modules/"))
      : value;
    if (entries.length > 0) flags.push(`--allow-${kind}=${entries.join(",")}`);
  }
  flags.push("--no-prompt");
  return flags;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

const encoder = new TextEncoder();
function out(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text + "\n"));
}
function err(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text + "\n"));
}

/** Why a target was not built: the lines to print. */
function missingArchive(vendorDir: string, version: string, target: string): string {
  const { triple } = TARGETS[target]!;
  const urls = officialUrls(version, triple);
  const name = archiveName(version, triple);
  return [
    `${target}: missing denort archive (Deno ${version}, ${triple})`,
    `  place it at: ${join(vendorDir, name)}`,
    `  official file: ${urls.dl}`,
    `     (the same: ${urls.github}, checksum in ${urls.github}.sha256sum)`,
    `  and list it in ${join(vendorDir, "SHA256SUMS")} as: <sha256>  ${name}`,
  ].join("\n");
}

/** The outcome of a compile run. */
export interface CompileResult {
  built: string[];
  failed: string[];
}

/** Build every requested target that has a verified archive; report the others. */
export async function compileTargets(options: {
  targets: string[];
  vendorDir: string;
  outDir: string;
  check: boolean;
}): Promise<CompileResult> {
  const version = Deno.version.deno;
  const result: CompileResult = { built: [], failed: [] };
  const sumsText = await readOptional(join(options.vendorDir, "SHA256SUMS"));
  const sums = sumsText === undefined ? new Map<string, string>() : parseSums(sumsText);

  const ready: { target: string; archive: string }[] = [];
  for (const target of options.targets) {
    const { triple } = TARGETS[target]!;
    const name = archiveName(version, triple);
    const archive = join(options.vendorDir, name);
    try {
      await Deno.stat(archive);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      err(missingArchive(options.vendorDir, version, target));
      result.failed.push(target);
      continue;
    }
    const expected = sums.get(name);
    const actual = await sha256Hex(archive);
    if (expected === undefined) {
      err(
        `${target}: ${archive} is not listed in ${join(options.vendorDir, "SHA256SUMS")}; ` +
          `add "<sha256>  ${name}" after checking it against ${
            officialUrls(version, triple).github
          }.sha256sum`,
      );
      result.failed.push(target);
    } else if (expected !== actual) {
      err(`${target}: checksum mismatch for ${archive}: SHA256SUMS says ${expected}, the file is ${actual}`);
      result.failed.push(target);
    } else ready.push({ target, archive });
  }
  if (ready.length === 0) return result;

  const set = (JSON.parse(await Deno.readTextFile("deno.json")) as {
    permissions?: Record<string, PermissionSet>;
  }).permissions?.serve;
  if (!set) throw new Error('Cannot compile: deno.json has no "serve" permission set');
  const permissions = compilePermissionFlags(set);

  await Deno.mkdir(options.outDir, { recursive: true });
  const work = resolve(await Deno.makeTempDir({ dir: options.outDir, prefix: ".compile-" }));
  const denoDir = join(work, "deno-dir");
  const env = {
    DENO_DIR: denoDir,
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    NPM_CONFIG_REGISTRY: DEAD_ENDPOINT,
    HTTPS_PROXY: DEAD_ENDPOINT,
    HTTP_PROXY: DEAD_ENDPOINT,
  };
  const lines: string[] = [];
  try {
    if (options.check) {
      const check = await deno(["check", "--cached-only", "src/main.ts"], undefined, env);
      if (!check.ok) throw new Error(`deno check src/main.ts failed:\n${check.text}`);
    }
    const seedDir = join(denoDir, "dl", "release", `v${version}`);
    await Deno.mkdir(seedDir, { recursive: true });
    for (const { target, archive } of ready) {
      const { triple, ext, platform } = TARGETS[target]!;
      await Deno.copyFile(archive, join(seedDir, `denort-${triple}.zip`));
      const stage = join(work, target);
      await stageProject(stage, platform);
      const name = `ai-memory-${VERSION}-${target}${ext}`;
      const output = resolve(options.outDir, name);
      const args = [
        "compile",
        "--target",
        triple,
        "--output",
        output,
        "--cached-only",
        "--no-remote",
        "--no-check",
        ...permissions,
        "src/main.ts",
      ];
      out(`${target}: deno ${args.join(" ")}`);
      const run = await deno(args, stage, env);
      await Deno.remove(stage, { recursive: true });
      if (!run.ok) {
        err(`${target}: deno compile failed:\n${run.text}`);
        result.failed.push(target);
        continue;
      }
      const size = (await Deno.stat(output)).size;
      const embedded = /^Files: (.+)$/m.exec(run.text)?.[1] ?? "?";
      lines.push(`${await sha256Hex(output)}  ${name}`);
      out(`${target}: wrote ${join(options.outDir, name)} (${mb(size)}, embedded files ${embedded})`);
      result.built.push(target);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  if (lines.length > 0) await Deno.writeTextFile(join(options.outDir, "SHA256SUMS"), lines.join("\n") + "\n");
  const order = (a: string, b: string) => options.targets.indexOf(a) - options.targets.indexOf(b);
  return { built: result.built.sort(order), failed: result.failed.sort(order) };
}

/** Run the Deno CLI (this very binary, so the version matches the seeded archives) with only `env`. */
async function deno(
  args: string[],
  cwd: string | undefined,
  env: Record<string, string>,
): Promise<{ ok: boolean; text: string }> {
  const run = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { ok: run.success, text: (decoder.decode(run.stderr) + decoder.decode(run.stdout)).trim() };
}

/** What a binary embeds, in a directory of its own: src/, deno.json, package.json, node_modules pruned for `platform`. */
async function stageProject(stage: string, platform: Platform): Promise<void> {
  for (const name of ["deno.json", "package.json"]) await copyInto(name, join(stage, name));
  const { files, links } = await listFiles("src");
  if (links.length > 0) throw new Error(`Cannot compile with symlinks in src/: ${links.join(", ")}`);
  for (const f of files) await copyInto(`src/${f}`, join(stage, "src", f));
  await copyPrunedNodeModules(join(stage, "node_modules"), platform, { dropDeno: true });
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string", multiple: true },
      "vendor-dir": { type: "string", default: "vendor/denort" },
      "out-dir": { type: "string", default: "dist/compile" },
      "no-check": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    Deno.stdout.writeSync(encoder.encode(USAGE));
    Deno.exit(0);
  }
  const targets = values.target ?? Object.keys(TARGETS);
  const unknown = targets.filter((t) => !(t in TARGETS));
  if (unknown.length > 0) {
    err(`Unknown target ${unknown.join(", ")}: use ${Object.keys(TARGETS).join(", ")}`);
    Deno.exit(2);
  }
  try {
    const { built, failed } = await compileTargets({
      targets,
      vendorDir: values["vendor-dir"],
      outDir: values["out-dir"],
      check: !values["no-check"],
    });
    out(`built: ${built.join(", ") || "none"}; not built: ${failed.join(", ") || "none"}`);
    Deno.exit(failed.length > 0 ? 1 : 0);
  } catch (e) {
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
