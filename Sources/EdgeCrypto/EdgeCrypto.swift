/// OpenSSL's symmetric primitives for mcp-edge (see the files beside this one).
public enum EdgeCrypto {}
