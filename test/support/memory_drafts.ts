// A memory draft for store tests: valid defaults for every field, with a test's own fields on top,
// so a test names only what it is about.
import type { MemoryDraft } from "../../src/store/store.ts";

/** A valid draft (tier mid, namespace "ns", agent "agent-a", private, never expiring) with `overrides` on top. */
export function memoryDraft(overrides: Partial<MemoryDraft> = {}): MemoryDraft {
  return {
    tier: "mid",
    namespace: "ns",
    title: "a title",
    content: "some content",
    tags: [],
    priority: 5,
    confidence: 1,
    source: "api",
    expires_at: null,
    metadata: {},
    agent_id: "agent-a",
    scope: "private",
    ...overrides,
  };
}
