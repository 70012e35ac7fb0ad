/// mcp-edge's version: `mcp-edge version`, and the default `serverInfo.version` of gateway routes.
public enum EdgeVersion {
    public static let current = "0.2.0"
}
