// Reading an npm lockfile (v2/v3 `packages` map): every installed package with its flags, and
// resolving a dependency name the way Node does (nearest enclosing node_modules first).

/** One installed package of the lockfile (one `node_modules/...` entry). */
export interface LockPackage {
  /** The lockfile key, e.g. `node_modules/express/node_modules/content-type`. */
  path: string;
  name: string;
  version: string;
  /** The raw `integrity` (SRI) string, if the lockfile has one. */
  integrity?: string;
  /** The raw `license` field, if the lockfile has one. */
  license?: unknown;
  /** `dev: true`: only reachable through devDependencies. */
  dev: boolean;
  /** `optional: true`: only reachable through optionalDependencies. */
  optional: boolean;
  /** `devOptional: true`: dev in some paths, optional in others. */
  devOptional: boolean;
  /** `inBundle: true`: shipped inside another package's tarball. */
  bundled: boolean;
  /** Names from dependencies, optionalDependencies and peerDependencies. */
  dependencyNames: string[];
  /** Names from dependencies alone: these must resolve. */
  requiredDependencyNames: string[];
}

/** The parts of an npm lockfile an SBOM needs. */
export interface NpmLockfile {
  rootName: string;
  rootVersion: string;
  /** Names from the root's dependencies, devDependencies and optionalDependencies. */
  rootDependencyNames: string[];
  /** Installed packages, by lockfile key. */
  packages: Map<string, LockPackage>;
  /** Entries left out (links, workspace folders, entries with no version), one line each. */
  skipped: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keysOf(...maps: unknown[]): string[] {
  const names = new Set<string>();
  for (const map of maps) if (isObject(map)) { for (const name of Object.keys(map)) names.add(name); }
  return [...names].sort();
}

function nameFromPath(path: string): string {
  const i = path.lastIndexOf("node_modules/");
  return path.slice(i + "node_modules/".length);
}

/**
 * Parse the text of a `package-lock.json` (lockfileVersion 2 or 3).
 * @throws {SyntaxError} when the text is not JSON or has no `packages` map
 */
export function parseNpmLockfile(text: string): NpmLockfile {
  const lock: unknown = JSON.parse(text);
  if (!isObject(lock) || !isObject(lock.packages)) {
    throw new SyntaxError('Cannot read the lockfile: it has no "packages" map (lockfileVersion 2 or 3)');
  }
  const root = isObject(lock.packages[""]) ? lock.packages[""] : {};
  const packages = new Map<string, LockPackage>();
  const skipped: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || !isObject(entry)) continue;
    if (!path.startsWith("node_modules/")) {
      skipped.push(`${path}: workspace folder, not an installed package`);
      continue;
    }
    if (entry.link === true) {
      skipped.push(`${path}: link to ${String(entry.resolved)}`);
      continue;
    }
    if (typeof entry.version !== "string") {
      skipped.push(`${path}: no version`);
      continue;
    }
    packages.set(path, {
      path,
      name: typeof entry.name === "string" ? entry.name : nameFromPath(path),
      version: entry.version,
      ...(typeof entry.integrity === "string" ? { integrity: entry.integrity } : {}),
      ...(entry.license !== undefined ? { license: entry.license } : {}),
      dev: entry.dev === true,
      optional: entry.optional === true,
      devOptional: entry.devOptional === true,
      bundled: entry.inBundle === true,
      dependencyNames: keysOf(entry.dependencies, entry.optionalDependencies, entry.peerDependencies),
      requiredDependencyNames: keysOf(entry.dependencies),
    });
  }
  return {
    rootName: typeof root.name === "string" ? root.name : typeof lock.name === "string" ? lock.name : "",
    rootVersion: typeof root.version === "string" ? root.version : "",
    rootDependencyNames: keysOf(root.dependencies, root.devDependencies, root.optionalDependencies),
    packages,
    skipped,
  };
}

/**
 * The installed package `name` resolves to from the package at `fromPath` ("" for the root): the
 * nearest `node_modules/<name>` walking up from `fromPath`, as Node's resolution does.
 */
export function resolveDependency(
  lock: NpmLockfile,
  fromPath: string,
  name: string,
): LockPackage | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = lock.packages.get(
      base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`,
    );
    if (candidate) return candidate;
    if (base === "") return undefined;
    const i = base.lastIndexOf("/node_modules/");
    base = i < 0 ? "" : base.slice(0, i);
  }
}
