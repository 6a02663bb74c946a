// The synthetic workload: a Zipf-weighted vocabulary, memories drawn from it (each a pure
// function of seed and index, so nothing large is kept in memory) and the benchmark's queries.
import {
  hashString,
  intBetween,
  mixSeed,
  mulberry32,
  pick,
  pickWeighted,
  type Rng,
  ZipfSampler,
} from "./_prng.ts";

/** The memory_store input the benchmark sends. */
export interface Draft {
  title: string;
  content: string;
  tier: "short" | "mid" | "long";
  namespace: string;
  tags: string[];
  priority: number;
  confidence: number;
  source: "user" | "claude" | "hook" | "api";
}

const VOCABULARY_SIZE = 4000;
const ZIPF_EXPONENT = 1.07;

// The most frequent English words lead the ranking, as in real text (FTS5 keeps them: no stop list).
const FUNCTION_WORDS = (
  "the of and to a in is for that on with as it be by this are from at or not was have an " +
  "we when but all can will if should use which has after only before into new more than then " +
  "so no each other also its must need there about"
).split(" ");

// Common content words of engineering notes, mixed with generated words below them.
const CONTENT_WORDS = (
  "deploy build test release server client database query index cache config error warning " +
  "timeout retry request response token user session account login password key secret vault " +
  "backend frontend service worker queue job schedule cron migration schema table column row " +
  "memory disk network latency throughput load balancer proxy gateway route endpoint handler " +
  "api version branch commit merge review pipeline stage production staging local docker image " +
  "container cluster node pod volume backup restore snapshot log metric trace alert dashboard " +
  "incident outage fix bug issue ticket feature flag rollout rollback hotfix patch upgrade " +
  "dependency package library module function class method interface type field value default " +
  "limit budget cost price invoice customer team owner decision meeting note plan design spec " +
  "document readme guide policy rule check lint format style naming convention pattern refactor " +
  "performance slow fast bottleneck profile benchmark regression flaky stable reliable retry " +
  "encrypt decrypt certificate tls dns domain host port socket stream file path directory " +
  "permission role admin audit compliance privacy export import sync async batch event message " +
  "topic subscriber publisher webhook callback payload json yaml csv report summary weekly daily " +
  "monday friday morning tonight deadline sprint milestone roadmap priority blocker risk estimate"
).split(" ");

const TAG_POOL = (
  "bug decision todo infra api perf security docs ops db frontend backend release incident " +
  "design customer urgent followup research idea"
).split(" ");

const PROJECTS = ["proj-0", "proj-1", "proj-2", "proj-3", "proj-4"];
const COMPONENTS = ["backend", "frontend", "infra", "docs"];
/** Twenty namespaces such as proj-3/backend. */
export const NAMESPACES: readonly string[] = PROJECTS.flatMap((p) => COMPONENTS.map((c) => `${p}/${c}`));

const TIERS: readonly (readonly [Draft["tier"], number])[] = [["short", 2], ["mid", 5], ["long", 3]];
const SOURCES: readonly (readonly [Draft["source"], number])[] = [
  ["claude", 5],
  ["user", 2],
  ["hook", 2],
  ["api", 1],
];
const PRIORITIES: readonly (readonly [number, number])[] = [
  [1, 2],
  [2, 3],
  [3, 5],
  [4, 8],
  [5, 12],
  [6, 9],
  [7, 7],
  [8, 5],
  [9, 3],
  [10, 2],
];

const ONSETS = [
  "b",
  "c",
  "d",
  "f",
  "g",
  "h",
  "k",
  "l",
  "m",
  "n",
  "p",
  "r",
  "s",
  "t",
  "v",
  "z",
  "br",
  "st",
  "tr",
];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"];
const CODAS = ["", "", "n", "r", "l", "s", "x", "nd", "rt"];

function syllable(rng: Rng): string {
  return pick(rng, ONSETS) + pick(rng, VOWELS) + pick(rng, CODAS);
}

/** The ranked vocabulary: function words, then content and generated words shuffled together. */
function buildVocabulary(seed: number): string[] {
  const rng = mulberry32(mixSeed(seed, 0x766f6361));
  const seen = new Set<string>([...FUNCTION_WORDS, ...CONTENT_WORDS]);
  const rest = [...new Set(CONTENT_WORDS)];
  while (FUNCTION_WORDS.length + rest.length < VOCABULARY_SIZE) {
    let word = "";
    const syllables = intBetween(rng, 2, 3);
    for (let i = 0; i < syllables; i++) word += syllable(rng);
    if (seen.has(word)) continue;
    seen.add(word);
    rest.push(word);
  }
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [...FUNCTION_WORDS, ...rest];
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Seeded generator of memories and queries; the same seed yields the same data. */
export class Workload {
  readonly seed: number;
  readonly vocabulary: readonly string[];
  readonly #zipf: ZipfSampler;
  readonly #tagZipf = new ZipfSampler(TAG_POOL.length, 1);
  // Title keys already used (hashes of namespace + title), and the salt that made index i unique.
  readonly #keys = new Set<number>();
  readonly #salts = new Map<number, number>();
  #count = 0;

  constructor(seed: number) {
    this.seed = seed;
    this.vocabulary = buildVocabulary(seed);
    this.#zipf = new ZipfSampler(this.vocabulary.length, ZIPF_EXPONENT);
  }

  /** How many distinct memories `next()` has handed out. */
  get count(): number {
    return this.#count;
  }

  /** A Zipf-distributed word. */
  word(rng: Rng): string {
    return this.vocabulary[this.#zipf.next(rng)]!;
  }

  /** `n` Zipf-distributed words joined by spaces. */
  words(rng: Rng, n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.word(rng));
    return out.join(" ");
  }

  #draft(index: number, salt: number): Draft {
    const rng = mulberry32(mixSeed(this.seed, 0x6d656d6f, index, salt));
    const title = capitalise(this.words(rng, intBetween(rng, 4, 8)));
    const total = intBetween(rng, 20, 60);
    const sentences: string[] = [];
    for (let used = 0; used < total;) {
      const n = Math.min(intBetween(rng, 5, 14), total - used);
      const text = this.words(rng, n);
      sentences.push(capitalise(rng() < 0.2 ? text.replace(" ", ", ") : text) + ".");
      used += n;
    }
    const tags = new Set<string>();
    const tagCount = intBetween(rng, 0, 4);
    for (let i = 0; i < tagCount; i++) tags.add(TAG_POOL[this.#tagZipf.next(rng)]!);
    return {
      title,
      content: sentences.join(" "),
      tier: pickWeighted(rng, TIERS),
      namespace: pick(rng, NAMESPACES),
      tags: [...tags],
      priority: pickWeighted(rng, PRIORITIES),
      confidence: Math.round((0.5 + 0.5 * rng()) * 100) / 100,
      source: pickWeighted(rng, SOURCES),
    };
  }

  /** The next memory with a title not yet used in its namespace (so storing it creates a row). */
  next(): Draft {
    const index = this.#count;
    for (let salt = 0;; salt++) {
      const draft = this.#draft(index, salt);
      const key = hashString(`${draft.namespace}\u0000${draft.title}`);
      if (this.#keys.has(key)) continue;
      this.#keys.add(key);
      if (salt > 0) this.#salts.set(index, salt);
      this.#count += 1;
      return draft;
    }
  }

  /** The memory `next()` returned as number `index`, regenerated. */
  memory(index: number): Draft {
    if (index < 0 || index >= this.#count) throw new RangeError(`memory ${index} was never generated`);
    return this.#draft(index, this.#salts.get(index) ?? 0);
  }

  /** An already-stored title and namespace with new content and signals: memory_store merges it. */
  upsertOf(index: number, rng: Rng): Draft {
    const existing = this.memory(index);
    const fresh = this.#draft(mixSeed(index, 0x75707372), Math.floor(rng() * 0x7fffffff));
    return { ...fresh, title: existing.title, namespace: existing.namespace };
  }

  /**
   * A 2-6 word query: with probability `fromStored`, consecutive words of one of the first `within`
   * stored memories' content (so it matches at least that memory); otherwise Zipf-drawn words.
   */
  query(rng: Rng, fromStored: number, within = this.#count): string {
    const n = intBetween(rng, 2, 6);
    const stored = Math.min(within, this.#count);
    if (stored > 0 && rng() < fromStored) {
      const memory = this.memory(Math.floor(rng() * stored));
      const words = memory.content.toLowerCase().match(/[a-z0-9]+/g) ?? [];
      const start = Math.floor(rng() * Math.max(1, words.length - n));
      return words.slice(start, start + n).join(" ");
    }
    return this.words(rng, n);
  }
}
