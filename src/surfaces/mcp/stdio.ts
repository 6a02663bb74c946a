// Running the MCP surface on stdio until the client closes its end of stdin, or a signal stops it.
//
// The MCP lifecycle has a stdio client end a session by closing the server's stdin, then waiting
// for it to exit before it sends SIGTERM (the SDK's client: 2 s later). The SDK's server transport
// never notices the end of stdin (typescript-sdk #2002), so without the session below the server ran
// on until SIGTERM killed it: pending writes lost, the WAL left behind, and with a client that exits
// without a signal, a process holding the database for good. Here the end of stdin, SIGINT and SIGTERM
// all end the session once every request already read has been answered, and a client that stops
// reading ends it at once.
import process from "node:process";
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  StdioServerTransport,
  type Transport,
  type TransportSendOptions,
} from "../../deps/mcp_sdk.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { onStopSignal } from "../stop_signals.ts";
import { createMcpServer } from "./server.ts";

// How long the end of a session waits for the answers to requests already read (a call takes
// milliseconds; one that hangs must not keep the process alive).
const ANSWER_WAIT_MS = 10_000;

/**
 * The SDK's stdio transport, keeping count of the requests read and not yet answered, so that a
 * session can end as soon as they all have been.
 */
class StdioSession implements Transport {
  readonly #inner: StdioServerTransport;
  readonly #unanswered = new Set<RequestId>();
  #whenAnswered: (() => void) | undefined;
  /** Set once stdout failed (the client stopped reading): nothing more can be answered. */
  #outputClosed = false;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  constructor(inner: StdioServerTransport) {
    this.#inner = inner;
  }

  start(): Promise<void> {
    this.#inner.onclose = () => this.onclose?.();
    this.#inner.onerror = (error) => this.onerror?.(error);
    this.#inner.onmessage = (message: JSONRPCMessage) => {
      if (isJSONRPCRequest(message)) this.#unanswered.add(message.id);
      // A cancelled request gets no answer.
      if (isJSONRPCNotification(message) && message.method === "notifications/cancelled") {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (id !== undefined) this.#answered(id);
      }
      this.onmessage?.(message);
    };
    return this.#inner.start();
  }

  // The stdio transport takes no send options (they relate messages on multiplexed transports).
  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    // A write to a closed pipe would wait for a 'drain' that never comes.
    if (this.#outputClosed) return;
    try {
      await this.#inner.send(message);
    } finally {
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        if (message.id !== undefined) this.#answered(message.id);
      }
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** stdout failed: answers can no longer be delivered, so none is waited for. */
  outputFailed(): void {
    this.#outputClosed = true;
    this.#unanswered.clear();
    this.#whenAnswered?.();
  }

  /** Resolves once every request read so far has been answered, or after `limitMs`. */
  allAnswered(limitMs: number): Promise<void> {
    if (this.#unanswered.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#whenAnswered = undefined;
        resolve();
      };
      const timer = setTimeout(done, limitMs);
      this.#whenAnswered = done;
    });
  }

  #answered(id: RequestId): void {
    this.#unanswered.delete(id);
    if (this.#unanswered.size === 0) this.#whenAnswered?.();
  }
}

/**
 * Serve the catalog as MCP tools over stdin/stdout; resolves when the session has ended: the client
 * closed stdin, or SIGINT/SIGTERM arrived, and every request read was answered.
 */
export async function serveStdio(deps: Deps, options: { catalog: readonly Operation[] }): Promise<void> {
  const server = createMcpServer(deps, options);
  const session = new StdioSession(new StdioServerTransport(process.stdin, process.stdout));
  const closed = new Promise<void>((resolve) => (server.onclose = () => resolve()));
  let ending: Promise<void> | undefined;
  const end = (reason: string) => {
    ending ??= (async () => {
      deps.log.info("mcp session ending", { reason });
      await session.allAnswered(ANSWER_WAIT_MS);
      await server.close();
    })();
  };
  const onEnd = () => end("end of input");
  // A client that stops reading (it exited, or closed its end of the pipe): EPIPE on the next answer,
  // which unhandled would crash the process with its pending writes.
  const onOutputError = (error: Error) => {
    session.outputFailed();
    deps.log.warn("mcp output closed", { error: error.message });
    end("output closed");
  };
  process.stdin.once("end", onEnd);
  process.stdin.once("close", onEnd);
  process.stdout.on("error", onOutputError);
  const stopListening = onStopSignal(() => end("signal"));
  try {
    await server.connect(session);
    await closed;
  } finally {
    stopListening();
    process.stdin.off("end", onEnd);
    process.stdin.off("close", onEnd);
    process.stdout.off("error", onOutputError);
  }
}
