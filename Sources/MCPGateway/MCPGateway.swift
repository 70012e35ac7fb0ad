/// MCP semantics of gateway routes (see ARCHITECTURE.md, "Gateway routes"). So far: the
/// sealed client session tokens (`SessionSealer`) and merged-list cursors (`CursorCodec`).
public enum MCPGateway {}
