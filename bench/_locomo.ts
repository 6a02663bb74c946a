// The LoCoMo conversation format and the recall-scoring protocol's inputs: which turns are
// stored (title, content, metadata) and which questions are asked, with their evidence turns.

/** One dialogue turn as stored by the protocol. */
export interface Turn {
  diaId: string;
  title: string;
  content: string;
}

/** One scored question: category 1-4, with at least one evidence turn. */
export interface Question {
  question: string;
  category: number;
  evidence: string[];
}

/** A conversation ready for the protocol. */
export interface Conversation {
  /** The file's base name without `.json`, e.g. `26`. */
  id: string;
  namespace: string;
  turns: Turn[];
  questions: Question[];
}

interface RawTurn {
  speaker?: unknown;
  dia_id?: unknown;
  text?: unknown;
  blip_caption?: unknown;
}

interface RawQa {
  question?: unknown;
  category?: unknown;
  evidence?: unknown;
}

const TITLE_WORDS = 8;

function sessionNumbers(raw: Record<string, unknown>): number[] {
  return Object.keys(raw)
    .map((k) => /^session_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null && Array.isArray(raw[m[0]]))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** A turn as the protocol stores it: title = first 8 words; content = `[date] speaker: text`. */
export function turnMemory(raw: RawTurn, dateTime: string): Turn | undefined {
  if (typeof raw.dia_id !== "string" || typeof raw.text !== "string") return undefined;
  const words = raw.text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  let content = `[${dateTime}] ${String(raw.speaker ?? "")}: ${raw.text}`;
  if (typeof raw.blip_caption === "string" && raw.blip_caption.length > 0) {
    content += ` (image: ${raw.blip_caption})`;
  }
  return { diaId: raw.dia_id, title: words.slice(0, TITLE_WORDS).join(" "), content };
}

/** Evidence ids of a question; some files join several in one string ("D8:6; D9:17"). */
export function evidenceIds(evidence: unknown): string[] {
  if (!Array.isArray(evidence)) return [];
  return [
    ...new Set(evidence.flatMap((e) => typeof e === "string" ? e.split(/[;,\s]+/).filter(Boolean) : [])),
  ];
}

/** Parse one LoCoMo file's JSON into the turns to store and the questions to score. */
export function parseConversation(id: string, raw: Record<string, unknown>): Conversation {
  const turns: Turn[] = [];
  for (const n of sessionNumbers(raw)) {
    const dateTime = String(raw[`session_${n}_date_time`] ?? "");
    for (const t of raw[`session_${n}`] as RawTurn[]) {
      const turn = turnMemory(t, dateTime);
      if (turn) turns.push(turn);
    }
  }
  const questions: Question[] = [];
  for (const qa of (Array.isArray(raw.qa) ? raw.qa : []) as RawQa[]) {
    const category = Number(qa.category);
    const evidence = evidenceIds(qa.evidence);
    // Category 5 is adversarial: the answer is not in the conversation.
    if (typeof qa.question !== "string" || !(category >= 1 && category <= 4) || evidence.length === 0) {
      continue;
    }
    questions.push({ question: qa.question, category, evidence });
  }
  return { id, namespace: `locomo-${id}`, turns, questions };
}

/** Every `*.json` conversation in `dir`, by file name. */
export async function loadConversations(dir: string): Promise<Conversation[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new Error(
        `Cannot read ${dir}: the bench:quality permission set reads only ../shared/bench-data; ` +
          `run the script with --allow-read=${dir} added`,
      );
    }
    throw err;
  }
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const conversations: Conversation[] = [];
  for (const name of names) {
    const raw = JSON.parse(await Deno.readTextFile(`${dir}/${name}`)) as Record<string, unknown>;
    conversations.push(parseConversation(name.slice(0, -".json".length), raw));
  }
  return conversations;
}
