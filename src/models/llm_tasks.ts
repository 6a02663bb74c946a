// The questions ai-memory asks the local LLM, each with the JSON shape its answer must have. This
// file is the whole of what is sent: titles and contents of the memories concerned, never metadata.
import { z } from "zod";
import { TAGS_MAX } from "../core/fields.ts";
import type { LlmTask } from "./local_llm.ts";

/** Longest piece of one memory's content sent to the model. */
export const LLM_CONTENT_CHARS = 4000;

interface MemoryText {
  title: string;
  content: string;
}

function shown(m: MemoryText): string {
  const content = m.content.length > LLM_CONTENT_CHARS
    ? m.content.slice(0, LLM_CONTENT_CHARS) + " …"
    : m.content;
  return `Title: ${m.title}\nContent: ${content}`;
}

const JSON_ONLY = "Answer with JSON only, exactly in the requested shape.";

export const expansionSchema = z.object({
  terms: z.array(z.string().trim().min(1).max(100)).min(1).max(20)
    .describe("Related search terms: synonyms, narrower and broader words"),
});

/** Related terms for a recall query. */
export function expandQueryTask(query: string): LlmTask<z.infer<typeof expansionSchema>> {
  return {
    name: "expand_query",
    system: `You expand search queries for a memory store. ${JSON_ONLY}`,
    prompt: `Give 3 to 10 related search terms (synonyms, related concepts) for this query.\n` +
      `Query: ${query}\nShape: {"terms": ["...", "..."]}`,
    schema: expansionSchema,
  };
}

/** A tag as stored: lower case, words joined by dashes. */
export function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/\s+/g, "-").slice(0, 64);
}

export const tagsSchema = z.object({
  tags: z.array(z.string().trim().min(1).max(64)).min(1).max(8).describe("Topic tags"),
});

/** Topic tags for a memory. */
export function autoTagTask(memory: MemoryText): LlmTask<z.infer<typeof tagsSchema>> {
  return {
    name: "auto_tag",
    system: `You label notes with short topic tags (one or two words each, lower case). ${JSON_ONLY}`,
    prompt: `Give 1 to 8 topic tags for this note.\n${shown(memory)}\nShape: {"tags": ["...", "..."]}`,
    schema: tagsSchema,
  };
}

export const verdictSchema = z.object({
  contradicts: z.boolean().describe("True when both cannot be true at once"),
  reason: z.string().trim().max(500).default("").describe("One sentence why"),
});

/** Whether two memories contradict each other. */
export function contradictionTask(a: MemoryText, b: MemoryText): LlmTask<z.infer<typeof verdictSchema>> {
  return {
    name: "detect_contradiction",
    system: "You check whether two notes contradict each other: they cannot both be true at the same " +
      `time. A note that only adds detail does not contradict. ${JSON_ONLY}`,
    prompt: `Note A:\n${shown(a)}\n\nNote B:\n${shown(b)}\n\n` +
      `Shape: {"contradicts": true or false, "reason": "one sentence"}`,
    schema: verdictSchema,
  };
}

export const summarySchema = z.object({
  summary: z.string().trim().min(1).max(16_000).describe("The merged note"),
});

/** One note that says what several memories say. */
export function summaryTask(memories: MemoryText[]): LlmTask<z.infer<typeof summarySchema>> {
  return {
    name: "summarise",
    endpoint: "generate",
    system: "You merge several notes into one, keeping every fact, dropping repetition, and saying so " +
      `where they disagree. ${JSON_ONLY}`,
    prompt: memories.map((m, i) => `Note ${i + 1}:\n${shown(m)}`).join("\n\n") +
      `\n\nShape: {"summary": "the merged note"}`,
    schema: summarySchema,
  };
}

/** At most this many tags end up on a memory (the store's limit). */
export const MAX_TAGS = TAGS_MAX;
