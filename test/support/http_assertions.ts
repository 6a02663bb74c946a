// Assertions on HTTP API replies for end-to-end tests: a reply with the expected status, and the
// 400 invalid_input error that names the offending field.
import assert from "node:assert/strict";
import type { ErrorBody, Reply } from "./http_client.ts";

/** The body of a reply that must have `status` (200 unless given); `what` prefixes the failure. */
export function expectStatus<T>(
  reply: Reply<T>,
  options: { status?: number; what?: string } = {},
): T {
  const shown = JSON.stringify(reply.body).slice(0, 600);
  assert.equal(
    reply.status,
    options.status ?? 200,
    options.what === undefined ? shown : `${options.what}: ${shown}`,
  );
  return reply.body;
}

/**
 * A 400 invalid_input whose message names `field`, with an issue for `field`; the message and that
 * issue's message both mention every one of `mentions`, and the message alone every one of
 * `messageMentions` (for what the issue carries in its field instead, such as "line 3").
 */
export function assertInvalid(
  reply: Reply<unknown>,
  field: string,
  options: { mentions?: string[]; messageMentions?: string[] } = {},
): void {
  const shown = JSON.stringify(reply.body).slice(0, 600);
  assert.equal(reply.status, 400, shown);
  const { error } = reply.body as ErrorBody;
  assert.equal(error.code, "invalid_input", shown);
  assert.ok(error.message.includes(field), `message does not name ${field}: ${error.message}`);
  const issue = error.details.issues?.find((i) => i.field === field);
  assert.ok(issue, `no issue for field "${field}": ${shown}`);
  for (const m of options.mentions ?? []) {
    assert.ok(error.message.includes(m), `message lacks "${m}": ${error.message}`);
    assert.ok(issue.message.includes(m), `issue lacks "${m}": ${issue.message}`);
  }
  for (const m of options.messageMentions ?? []) {
    assert.ok(error.message.includes(m), `message lacks "${m}": ${error.message}`);
  }
}
