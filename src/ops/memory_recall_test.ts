import assert from "node:assert/strict";
import type { z } from "zod";
import { catalogOp } from "../../test/support/catalog_ops.ts";
import { tempDataDir } from "../../test/support/processes.ts";
import { fixedClock } from "../core/clock.ts";
import { loadConfig, openDeps } from "../runtime.ts";
import { invokeOperation } from "./invoke.ts";
import type { memoryRecall } from "./memory_recall.ts";

type RecallResult = z.output<typeof memoryRecall.output>;

/** A fresh database; `store` saves memories one second apart, in order, in namespace `ns`. */
async function harness() {
  const deps = await openDeps(loadConfig({ db: `${await tempDataDir()}/recall.db`, logLevel: "error" }));
  const clock = fixedClock(new Date("2026-06-01T00:00:00.000Z"));
  const ctx = { ...deps, clock, actor: "agent:recall-test" };
  const titles = new Map<string, string>();
  return {
    async store(...contents: string[]) {
      for (const content of contents) {
        const out = await invokeOperation(catalogOp("memory_store"), {
          title: `turn ${titles.size + 1}`,
          content,
          namespace: "ns",
        }, { ctx });
        titles.set(out.id as string, content);
        clock.advance(1000);
      }
    },
    async recall(context: string): Promise<string[]> {
      const out = await invokeOperation(catalogOp("memory_recall"), { context, namespace: "ns" }, {
        ctx,
      }) as RecallResult;
      return out.memories.map((m) => titles.get(m.id)!);
    },
    close: () => deps.store.close(),
  };
}

Deno.test("memory_recall finds other forms of a word: painting recalls painted", async () => {
  const h = await harness();
  try {
    await h.store("I painted a lake sunrise last year", "We went camping in June", "Lunch was soup");
    assert.deepEqual(await h.recall("Which paintings did she make?"), ["I painted a lake sunrise last year"]);
  } finally {
    h.close();
  }
});

Deno.test("memory_recall leaves stop words out of the query", async () => {
  const h = await harness();
  try {
    await h.store("What a lovely day", "Deploy key rotated on Monday", "Lunch at noon", "Weekly sync notes");
    assert.deepEqual(await h.recall("what is the deploy key"), ["Deploy key rotated on Monday"]);
  } finally {
    h.close();
  }
});

Deno.test("memory_recall finds a reply through the question stored just before it", async () => {
  const h = await harness();
  try {
    await h.store(
      "Caroline: How are the kids?",
      "Melanie: Busy with school.",
      "Caroline: What was the name of your first dog?",
      "Melanie: Rex! A scruffy little terrier.",
      "Caroline: So cute.",
      "Melanie: I took up pottery last week.",
      "Caroline: My dog sitter cancelled again.",
      "Melanie: Oh no.",
      "Caroline: Anyway, how was your weekend?",
      "Melanie: Quiet.",
    );
    const recalled = await h.recall("What was the name of Melanie's first dog?");
    assert.deepEqual(recalled.slice(0, 2), [
      "Caroline: What was the name of your first dog?",
      "Melanie: Rex! A scruffy little terrier.",
    ]);
  } finally {
    h.close();
  }
});

Deno.test("memory_recall never returns a memory that shares no word with the query", async () => {
  const h = await harness();
  try {
    await h.store(
      "Move the kestrel cluster onto fjord storage",
      "Fjord storage failed during the backup",
      "Lunch menu",
    );
    const recalled = await h.recall("kestrel backup");
    assert.deepEqual(recalled.sort(), [
      "Fjord storage failed during the backup",
      "Move the kestrel cluster onto fjord storage",
    ]);
  } finally {
    h.close();
  }
});
