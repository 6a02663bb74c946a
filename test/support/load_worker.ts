// A worker process for the multi-process test: opens the database in-process like any surface
// and either stores COUNT memories or reads in a loop until told to stop; prints a JSON summary.
import { CATALOG } from "../../src/ops/catalog.ts";
import { invokeOperation } from "../../src/ops/invoke.ts";
import { loadConfig, openDeps } from "../../src/runtime.ts";

const [db, mode, prefix, countText] = Deno.args;
const op = (name: string) => CATALOG.find((o) => o.name === name)!;
const deps = await openDeps(loadConfig({ db: db! }));
deps.log = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = { ...deps, actor: `worker:${prefix}` };
const errors: string[] = [];
let done = 0;

if (mode === "write") {
  const count = Number(countText);
  for (let i = 0; i < count; i++) {
    try {
      await invokeOperation(op("memory_store"), {
        title: `${prefix} memory ${i}`,
        content: `written by ${prefix} number ${i} about concurrency`,
        namespace: "concurrency",
      }, { ctx });
      done++;
    } catch (err) {
      errors.push(String((err as Error).message));
    }
  }
} else {
  // Read until stdin closes: recall, list and stats, the paths that must never see a lock error.
  let stop = false;
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
    stop = true;
  })();
  while (!stop) {
    for (
      const [name, input] of [
        ["memory_recall", { context: "concurrency memory", namespace: "concurrency" }],
        ["memory_list", { namespace: "concurrency", limit: 50 }],
        ["memory_stats", {}],
      ] as const
    ) {
      try {
        await invokeOperation(op(name), input, { ctx });
        done++;
      } catch (err) {
        errors.push(String((err as Error).message));
      }
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
deps.store.close();
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({ done, errors }) + "\n"));
