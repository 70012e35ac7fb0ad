/// OpenSSL's symmetric primitives for mcp-edge (see the files beside this one): random bytes,
/// SHA-256, HKDF, HMAC-SHA256 and AES-256-GCM, all through OpenSSL 3's EVP interfaces.
/// Nothing here implements a cryptographic algorithm itself.
public enum EdgeCrypto {}
