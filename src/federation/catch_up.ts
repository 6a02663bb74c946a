// Catch-up: pull a peer's feed from the cursor saved for it, page by page, merging each page and
// saving the cursor after it, so an interrupted pull resumes where it stopped.
import { z } from "zod";
import type { Logger } from "../core/log.ts";
import { replicaChangeSchema, type ReplicationStore } from "../store/replication_store.ts";
import { peerKey, type PeerLink } from "./peer_pusher.ts";

const sincePage = z.object({
  node: z.string(),
  head: z.number().int().min(0),
  changes: z.array(replicaChangeSchema),
  next: z.number().int().min(0),
  more: z.boolean(),
});

/** An answer of a peer that is not what the protocol says. */
export function peerAnswerError(link: PeerLink, path: string, detail: string): Error {
  return new Error(`peer ${link.peer.url} ${path}: ${detail}`);
}

/** Parse a peer's answer: it must be 200 and match `schema`. */
export function peerAnswer<T extends z.ZodType>(
  link: PeerLink,
  res: { status: number; body: unknown },
  options: { path: string; schema: T },
): z.output<T> {
  if (res.status !== 200) {
    throw peerAnswerError(
      link,
      options.path,
      `answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`,
    );
  }
  const parsed = options.schema.safeParse(res.body);
  if (!parsed.success) throw peerAnswerError(link, options.path, `malformed answer: ${parsed.error.message}`);
  return parsed.data;
}

/** Pull everything the peer has after our cursor; returns how many changes were applied. */
export async function pullFrom(
  link: PeerLink,
  replication: ReplicationStore,
  options: { pageSize: number; signal: AbortSignal; log?: Logger },
): Promise<{ applied: number; pages: number }> {
  const key = peerKey(link.peer);
  let cursor = await replication.cursor(key, "pull");
  let applied = 0;
  let pages = 0;
  while (!options.signal.aborted) {
    const path = "/api/v1/sync/since";
    const res = await link.client.request("GET", path, {
      query: { cursor: String(cursor), limit: String(options.pageSize) },
      signal: options.signal,
    });
    const page = peerAnswer(link, res, { path, schema: sincePage });
    pages++;
    // A feed shorter than what was already pulled from it started again: the peer's database was
    // replaced (restored, or rebuilt). Pull it from the start; applying what is already here is a no-op.
    if (page.head < cursor) {
      options.log?.warn("peer's feed started again; pulling it from the start", {
        peer: link.peer.url,
        cursor,
        head: page.head,
      });
      await replication.resetCursor(key, "pull");
      cursor = 0;
      continue;
    }
    if (page.changes.length > 0) {
      applied += (await replication.apply(page.changes, { from: page.node })).applied;
    }
    if (page.next > cursor) {
      await replication.advanceCursor(key, "pull", page.next);
      cursor = page.next;
    }
    if (!page.more) break;
  }
  return { applied, pages };
}
