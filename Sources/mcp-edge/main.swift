print("mcp-edge 0.1.0")
