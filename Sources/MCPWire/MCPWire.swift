// MCPWire: see ARCHITECTURE.md.
