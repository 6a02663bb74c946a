// File-tree helpers shared by the offline bundle and the compile task: listing, copying, hashing
// and the rules that prune the npm tree down to what runs on one platform.
import { dirname, join } from "node:path";

/** A platform in npm/Node naming, as in the SQLite prebuild file names (`<os>-<arch>.node`). */
export interface Platform {
  /** `linux`, `darwin` or `win32`. */
  os: string;
  /** `x64` or `arm64`. */
  arch: string;
}

/** Files that are never pruned: licences and npm metadata. */
const KEEP_NAME_REGEXP = /^(package\.json|licen[cs]e|notice|copying|authors)(\.[a-z]+)?$/i;
/** Type declarations, source maps and markdown documentation: not needed to run. */
const DROP_FILE_REGEXP = /(\.d\.[cm]?ts|\.map|\.md|\.markdown|\.tsbuildinfo)$/i;
/** Directories at the top of a package that hold no runtime code. */
const DROP_PACKAGE_DIRS = new Set([
  "test",
  "tests",
  "__tests__",
  "benchmark",
  "benchmarks",
  "example",
  "examples",
  "docs",
  "doc",
  ".github",
]);
const SQLITE_PACKAGE = "better-sqlite3-multiple-ciphers";

/**
 * Why a file of `node_modules` is left out, or `null` to keep it. Package directories and every
 * `package.json` (and licence file) stay, so that module resolution and the SBOM still match.
 * @param rel the path inside `node_modules`, with `/` separators
 * @param platform the platform whose SQLite prebuild is kept (the only one `src/store/sqlite/open.ts` loads)
 * @param options.dropDeno also drop the Deno binary itself (a compiled binary does not need it)
 */
export function pruneReason(
  rel: string,
  platform: Platform,
  options: { dropDeno?: boolean } = {},
): string | null {
  const parts = rel.split("/");
  if (parts[0] === ".bin") return "npm .bin links (unused: Deno is called by path)";
  const scoped = parts[0]?.startsWith("@") ?? false;
  const pkg = scoped ? `${parts[0]}/${parts[1]}` : parts[0] ?? "";
  const inner = parts.slice(scoped ? 2 : 1);
  const name = parts[parts.length - 1] ?? "";
  if (inner.length === 0) return null; // a file at the top of node_modules (.package-lock.json)
  if (KEEP_NAME_REGEXP.test(name)) return null;
  if (pkg === "deno" && options.dropDeno) return "the Deno CLI (the binary embeds its own runtime)";
  if (pkg.startsWith("@deno/")) return "@deno/* platform packages (the binary is node_modules/deno/deno)";
  if (pkg.startsWith("@types/")) return "@types/* (type declarations)";
  if (pkg === SQLITE_PACKAGE) {
    if (inner[0] === "prebuilds" && name !== `${platform.os}-${platform.arch}.node`) {
      return `${SQLITE_PACKAGE} prebuilds for other platforms`;
    }
    if (inner[0] === "deps" || inner[0] === "src") {
      return `${SQLITE_PACKAGE} C/C++ sources (the prebuild is loaded)`;
    }
  }
  if (inner.length > 1 && DROP_PACKAGE_DIRS.has(inner[0] ?? "")) return "tests, examples, docs, CI files";
  if (inner.length === 1 && name.startsWith(".")) return "dotfiles (lint/CI configuration)";
  if (DROP_FILE_REGEXP.test(name)) return "type declarations, source maps, markdown";
  return null;
}

/** Byte-order comparison (as `LC_ALL=C sort`) for the ASCII paths of the tree. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every file under `dir` (relative, `/`-separated, sorted), with symlinks listed apart. */
export async function listFiles(dir: string, prefix = ""): Promise<{ files: string[]; links: string[] }> {
  const files: string[] = [];
  const links: string[] = [];
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) entries.push(entry);
  entries.sort((a, b) => compareBytes(a.name, b.name));
  for (const entry of entries) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isSymlink) links.push(rel);
    else if (entry.isDirectory) {
      const sub = await listFiles(dir, rel);
      files.push(...sub.files);
      links.push(...sub.links);
    } else files.push(rel);
  }
  return { files, links };
}

/** Whether `path` exists (without following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Copy a file (with its mode), creating parent directories; returns its size. */
export async function copyInto(from: string, to: string): Promise<number> {
  await Deno.mkdir(dirname(to), { recursive: true });
  await Deno.copyFile(from, to);
  return (await Deno.stat(to)).size;
}

/** SHA-256 of a file as 64 lower-case hex digits. */
export async function sha256Hex(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Files and bytes. */
export interface Tally {
  files: number;
  bytes: number;
}

/** What {@link copyPrunedNodeModules} kept and dropped. */
export interface PruneReport {
  before: Tally;
  after: Tally;
  /** Dropped files by reason. */
  pruned: Map<string, Tally>;
}

/**
 * Copy `node_modules` into `dest` without the files {@link pruneReason} drops.
 * @throws {Error} when a symlink would have to be shipped
 */
export async function copyPrunedNodeModules(
  dest: string,
  platform: Platform,
  options: { dropDeno?: boolean } = {},
): Promise<PruneReport> {
  const report: PruneReport = {
    before: { files: 0, bytes: 0 },
    after: { files: 0, bytes: 0 },
    pruned: new Map(),
  };
  const { files, links } = await listFiles("node_modules");
  for (const rel of files) {
    const size = (await Deno.stat(`node_modules/${rel}`)).size;
    add(report.before, size);
    const reason = pruneReason(rel, platform, options);
    if (reason === null) {
      add(report.after, await copyInto(`node_modules/${rel}`, join(dest, rel)));
    } else {
      const t = report.pruned.get(reason) ?? { files: 0, bytes: 0 };
      add(t, size);
      report.pruned.set(reason, t);
    }
  }
  const kept = links.filter((rel) => pruneReason(rel, platform, options) === null);
  if (kept.length > 0) throw new Error(`Cannot ship symlinks in node_modules: ${kept.join(", ")}`);
  return report;
}

/** Add one file of `bytes` to a tally. */
export function add(t: Tally, bytes: number): void {
  t.files += 1;
  t.bytes += bytes;
}

/** Bytes as megabytes (decimal) for reports. */
export function mb(bytes: number): string {
  return bytes < 100_000 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
