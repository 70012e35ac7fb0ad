/// MCP semantics of gateway routes (see ARCHITECTURE.md, "Gateway routes").
public enum MCPGateway {}
