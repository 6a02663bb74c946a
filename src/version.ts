// The product version, reported by capabilities, health and the MCP handshake.
export const VERSION = "0.1.0";
