// One side of bench:check's A/B confirmation (bench/_ab.ts): the product code next to this file,
// seeded like the gate's databases, measuring one window of a row on request. bench/_ab.ts imports
// this module twice in one process: from this tree, and from a copy of the harness placed next to
// the baseline commit's src/, so each copy runs its own tree's product code.
import { measureRows } from "./_measure.ts";
import { opSpecs, writesLast } from "./_ops.ts";
import { seedDatabase } from "./_seed.ts";
import { inProcessDriverOf, openInProcess } from "./_surfaces.ts";
import { Workload } from "./_workload.ts";

/** Unmeasured calls at the start of every window, as in the gate's windows. */
const WARMUP = 5;

/** A seeded database on this tree's code. */
export interface AbSide {
  /** One window of `row` (the same `pool` inputs as the gate's windows): every call's duration (ms). */
  window(row: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Open `db`, seed it with `size` memories from `seed`, and return the side. */
export async function openSide(
  options: { db: string; size: number; seed: number; pool: number; actor: string },
): Promise<AbSide> {
  const { size, seed, pool } = options;
  const { deps, ctx } = await openInProcess(options.db, options.actor, seed);
  const driver = inProcessDriverOf(deps, ctx);
  try {
    const workload = new Workload(seed);
    const { ids } = await seedDatabase(ctx, workload, size, { seed });
    const specs = writesLast(opSpecs(workload, ids, { seed, size, surface: "inproc", pool })).flat();
    return {
      async window(row) {
        const spec = specs.find((s) => s.row === row);
        if (!spec) throw new Error(`no row ${row}`);
        const [m] = await measureRows(
          [spec],
          driver.call,
          { rounds: 1, perRound: pool, warmup: WARMUP, calibrationUnits: 0, repeatInputs: true },
          { keepSamples: true },
        );
        return m!.rounds[0]!.samples!;
      },
      close: () => driver.close(),
    };
  } catch (err) {
    await driver.close();
    throw err;
  }
}
