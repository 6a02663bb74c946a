// Human-readable renderings of operation results, shared by the CLI (tables) and MCP (short text).
// Generic over result shapes: a `memories` list becomes a table, a `memory` a card, the rest key: value.

interface MemoryLike {
  id: string;
  title: string;
  namespace: string;
  tier: string;
  priority: number;
  content?: string;
  score?: number;
  tags?: string[];
}

function isMemoryLike(v: unknown): v is MemoryLike {
  // A tier tells memories from other titled rows (agent messages have a nullable namespace, no tier).
  return typeof v === "object" && v !== null && "id" in v && "title" in v && "tier" in v &&
    typeof (v as { namespace?: unknown }).namespace === "string";
}

/** A list to show as a memory table: the `memories` field, or any non-empty list of memories. */
function isMemoryList(key: string, value: unknown): value is MemoryLike[] {
  if (!Array.isArray(value)) return false;
  return value.every(isMemoryLike) && (key === "memories" || value.length > 0);
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= width ? flat : flat.slice(0, width - 1) + "…";
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** A table of memories: id prefix, tier, priority, namespace, title (and score when ranked). */
export function memoryTable(memories: MemoryLike[]): string {
  if (memories.length === 0) return "(no memories)";
  const scored = memories.some((m) => typeof m.score === "number");
  const header = ["ID", "TIER", "PRI", ...(scored ? ["SCORE"] : []), "NAMESPACE", "TITLE"];
  const rows = memories.map((m) => [
    m.id.slice(0, 8),
    m.tier,
    String(m.priority),
    ...(scored ? [(m.score ?? 0).toFixed(2)] : []),
    clip(m.namespace, 24),
    clip(m.title, 60),
  ]);
  return table([header, ...rows]);
}

/** A full card of one memory. */
export function memoryCard(memory: Record<string, unknown>): string {
  const lines = Object.entries(memory)
    .filter(([k]) => k !== "content")
    .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`);
  if (typeof memory.content === "string") lines.push("", memory.content);
  return lines.join("\n");
}

/** Readable text for any operation result. */
export function renderResult(result: Record<string, unknown>): string {
  const parts: string[] = [];
  const rest: [string, unknown][] = [];
  for (const [key, value] of Object.entries(result)) {
    if (isMemoryList(key, value)) parts.push(memoryTable(value));
    else if (key === "memory" && isMemoryLike(value)) {
      parts.push(memoryCard(value as unknown as Record<string, unknown>));
    } else rest.push([key, value]);
  }
  const kv = rest.map(([k, v]) =>
    `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`
  );
  return [...kv, ...parts].join("\n");
}

/** Compact pipe-delimited rows for agents (the reference's toon_compact). */
export function renderCompact(result: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (isMemoryList(key, value)) {
      lines.push(`${key}[${value.length}]{id|title|namespace|tier|priority|score|content}`);
      for (const m of value) {
        lines.push(
          [m.id, m.title, m.namespace, m.tier, m.priority, m.score?.toFixed(3) ?? "", m.content ?? ""]
            .map((c) => String(c).replace(/[|\n]/g, " "))
            .join("|"),
        );
      }
    } else if (key === "memory" && isMemoryLike(value)) {
      lines.push(memoryCard(value as unknown as Record<string, unknown>));
    } else {
      lines.push(
        `${key}: ${typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)}`,
      );
    }
  }
  return lines.join("\n");
}
