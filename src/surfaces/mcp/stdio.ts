// Running the MCP surface on stdio until the client closes the stream.
import { StdioServerTransport } from "../../deps/mcp_sdk.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { createMcpServer } from "./server.ts";

/** Serve the catalog as MCP tools over stdin/stdout; resolves when the client disconnects. */
export async function serveStdio(deps: Deps, options: { catalog: readonly Operation[] }): Promise<void> {
  const server = createMcpServer(deps, options);
  const closed = new Promise<void>((resolve) => (server.onclose = () => resolve()));
  await server.connect(new StdioServerTransport());
  await closed;
}
