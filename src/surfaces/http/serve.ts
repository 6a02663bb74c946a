// Running the HTTP surface: listen on the configured address until SIGINT/SIGTERM, with clear
// errors for an address the permission set does not allow or another process holds.
import { MemoryError } from "../../core/errors.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { createApp } from "./app.ts";
import { isLoopbackHost } from "./auth.ts";
import { onStopSignal } from "../stop_signals.ts";

/** Serve the catalog over HTTP; resolves after a signal has stopped the server. */
export async function serveHttp(deps: Deps, options: { catalog: readonly Operation[] }): Promise<void> {
  const loopback = isLoopbackHost(deps.config.host);
  if (!loopback && !(await deps.store.keys.anyActive())) {
    throw new MemoryError(
      "invalid_input",
      `Invalid input: host: refusing to listen on ${deps.config.host}, which other machines can reach, ` +
        "while no API key exists; create one with `ai-memory keys create --agent ID --read NS --write NS` " +
        "or listen on 127.0.0.1 (see docs/security.md)",
      { details: { issues: [{ field: "host", message: "a non-loopback address needs an API key" }] } },
    );
  }
  const app = createApp(deps, { ...options, loopback });
  const controller = new AbortController();
  const stopListening = onStopSignal(() => controller.abort());
  const address = `${deps.config.host}:${deps.config.port}`;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: deps.config.host,
      port: deps.config.port,
      signal: controller.signal,
      onListen: ({ hostname, port }) =>
        deps.log.info("listening", { url: `http://${hostname}:${port}`, port }),
    }, app.fetch);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new MemoryError(
        "unavailable",
        `Cannot listen on ${address}: the serve permission set allows only loopback addresses`,
      );
    }
    if (err instanceof Deno.errors.AddrInUse) {
      throw new MemoryError("unavailable", `Cannot listen on ${address}: the address is already in use`);
    }
    throw err;
  }
  try {
    await server.finished;
  } finally {
    stopListening();
  }
  deps.log.info("stopped");
}
