// Tool calls over MCP for end-to-end tests: a call that must succeed (its structuredContent) and
// one that must fail as an isError result (its text), with the SDK's result shape.
import assert from "node:assert/strict";
import type { Client } from "./mcp_client.ts";

/** connectMcp names its client "e2e-test"; the server makes "ai:" + that name the actor of writes. */
export const CLIENT_ACTOR = "ai:e2e-test";

/** One content item of a tool result. */
export interface TextItem {
  type: string;
  text?: string;
}

/** A tool result as the SDK client returns it. */
export interface ToolResult {
  content: TextItem[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** The text of a result's (first) text item, which must be there. */
export function textOf(result: ToolResult): string {
  const item = result.content.find((c) => c.type === "text");
  assert.ok(item && typeof item.text === "string", "the result carries a text content item");
  return item.text!;
}

/** Tool calls over one connected client. */
export interface McpCalls {
  /** Call a tool and return whatever result it gives. */
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** Call a tool that must succeed with structuredContent and a non-empty text; returns the former. */
  ok<T>(name: string, args?: Record<string, unknown>): Promise<T>;
  /**
   * Call a tool that must fail with an isError result (not a thrown JSON-RPC error) carrying no
   * structuredContent and a text that mentions every one of `mentions`; returns the text.
   */
  fails(name: string, args: Record<string, unknown>, options?: { mentions?: string[] }): Promise<string>;
}

/** Tool calls over `client`. */
export function mcpCalls(client: Client): McpCalls {
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> =>
    await client.callTool({ name, arguments: args }) as ToolResult;
  return {
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
      const result = await call(name, args);
      assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
      assert.ok(result.structuredContent, `${name} returned structuredContent`);
      assert.ok(textOf(result).length > 0, `${name} returned a non-empty text item`);
      return result.structuredContent as T;
    },
    async fails(name, args, options = {}) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name} ${JSON.stringify(args).slice(0, 200)} should be isError`);
      assert.equal(result.structuredContent, undefined, "an error result carries no structuredContent");
      const text = textOf(result);
      for (const m of options.mentions ?? []) {
        assert.ok(text.includes(m), `${name}: error text lacks "${m}": ${text}`);
      }
      return text;
    },
  };
}
