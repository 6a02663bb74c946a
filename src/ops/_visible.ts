// Visibility checks for operations that read by id: a hidden memory reads as not found, so its
// existence never leaks to a reader its scope excludes.
import { notFound } from "../core/errors.ts";
import type { Memory } from "../core/memory.ts";
import { isVisible, type Reader } from "../core/visibility.ts";
import type { OpContext } from "./operation.ts";

/** A live memory by id or prefix, as `reader` may see it. @throws {MemoryError} not_found */
export async function getVisible(ctx: OpContext, id: string, reader: Reader | undefined): Promise<Memory> {
  const memory = await ctx.store.get(id);
  if (reader && !isVisible(memory, reader)) throw notFound("memory", id);
  return memory;
}

/** The subset of `ids` that are live memories `reader` may see. */
export async function visibleIds(ctx: OpContext, ids: string[], reader: Reader): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const visible = await ctx.store.list({ ids: unique, reader }, {
    now: ctx.clock.now().toISOString(),
    limit: unique.length,
  });
  return new Set(visible.map((m) => m.id));
}

/** The links whose both ends `reader` may see (all of them without a reader). */
export async function visibleLinks<L extends { source_id: string; target_id: string }>(
  ctx: OpContext,
  links: L[],
  reader: Reader | undefined,
): Promise<L[]> {
  if (!reader) return links;
  const visible = await visibleIds(ctx, links.flatMap((l) => [l.source_id, l.target_id]), reader);
  return links.filter((l) => visible.has(l.source_id) && visible.has(l.target_id));
}
