// A webhook receiver for end-to-end tests: a Deno.serve on 127.0.0.1 that records each delivery
// (headers and raw body) and answers with a status chosen per path; it can stop and come back on
// the same port, to play a receiver that is down for a while.
import { sleep } from "./time.ts";

/** One request the receiver got. */
export interface Received {
  path: string;
  timestamp: string | null;
  signature: string | null;
  event: string | null;
  delivery: string | null;
  body: string;
}

/** A running receiver. */
export interface Receiver {
  port: number;
  received: Received[];
  /** Status answered per path (200 for any other). */
  statusFor: Map<string, number>;
  stop(): Promise<void>;
  /** Listen again on the same port. */
  restart(): void;
}

/** Start a receiver on 127.0.0.1 (an ephemeral port unless given). */
export function startReceiver(port = 0): Receiver {
  const received: Received[] = [];
  const statusFor = new Map<string, number>();
  const handler = async (req: Request) => {
    const path = new URL(req.url).pathname;
    received.push({
      path,
      timestamp: req.headers.get("x-ai-memory-timestamp"),
      signature: req.headers.get("x-ai-memory-signature"),
      event: req.headers.get("x-ai-memory-event"),
      delivery: req.headers.get("x-ai-memory-delivery"),
      body: await req.text(),
    });
    return new Response("ok", { status: statusFor.get(path) ?? 200 });
  };
  const listen = (p: number) => Deno.serve({ hostname: "127.0.0.1", port: p, onListen() {} }, handler);
  let server = listen(port);
  const receiver: Receiver = {
    port: server.addr.port,
    received,
    statusFor,
    stop: () => server.shutdown(),
    restart: () => {
      server = listen(receiver.port);
    },
  };
  return receiver;
}

/** Wait until `ready()` holds, polling; fails after `ms` naming `what`. */
export async function waitFor(
  what: string,
  ready: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}
