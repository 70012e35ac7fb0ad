import EdgeCrypto
import MCPWire

/// Turns a `MergedCursor` into the opaque `nextCursor` a client sends back, and checks it on
/// the way in. Authenticated, not encrypted: the client could read the backends' names and
/// cursors, but cannot change them or make one up.
///
///     text = base64url(payload || first 16 bytes of HMAC-SHA256(key, payload)), no padding
///     key  = HKDF-SHA256(secret, salt "mcp-edge", info "cursor/v1")
///
/// The payload is `MergedCursorLayout`. Not thread safe (it holds an HMAC context and scratch
/// buffers): one instance per worker thread.
public final class CursorCodec {
    /// Longer cursors are refused when decoding, and never produced.
    public static let maximumTextLength = 8192
    /// The truncated MAC length (128 bits).
    static let macByteCount = 16

    private let hmac: HMACSHA256
    private var payload: [UInt8] = []
    private var mac: [UInt8] = []

    /// `secret` must not be empty (the same secret as the session keys is fine: the derived
    /// keys differ).
    public init(secret: [UInt8]) {
        hmac = HMACSHA256(key: HKDF.sha256(secret: secret, salt: Array("mcp-edge".utf8), info: Array("cursor/v1".utf8),
                                           count: 32))
        payload.reserveCapacity(512)
        mac.reserveCapacity(HMACSHA256.byteCount)
    }

    /// The cursor text (ASCII: A-Z a-z 0-9 - _). Throws `TokenEncodingError` when a field is
    /// over its layout limit or the text would exceed `maximumTextLength`.
    public func encode(_ cursor: MergedCursor) throws -> [UInt8] {
        payload.removeAll(keepingCapacity: true)
        try MergedCursorLayout.encode(cursor, appendingTo: &payload)
        let length = Base64URL.encodedCount(payload.count + Self.macByteCount)
        guard length <= Self.maximumTextLength else {
            throw TokenEncodingError.tokenTooLong(count: length, limit: Self.maximumTextLength)
        }
        mac.removeAll(keepingCapacity: true)
        hmac.mac(payload[...], appendingTo: &mac)
        payload.append(contentsOf: mac.prefix(Self.macByteCount))
        return Base64URL.encode(payload[...])
    }

    /// The cursor in `text`, or nil when it is too long, not canonical base64url, fails the
    /// MAC or does not decode.
    public func decode(_ text: ArraySlice<UInt8>) -> MergedCursor? {
        guard text.count <= Self.maximumTextLength else { return nil }
        payload.removeAll(keepingCapacity: true)
        guard Base64URL.decode(text, appendingTo: &payload),
              payload.count >= MergedCursorLayout.minimumByteCount + Self.macByteCount
        else { return nil }
        let body = payload[..<(payload.count - Self.macByteCount)]
        mac.removeAll(keepingCapacity: true)
        hmac.mac(body, appendingTo: &mac)
        guard constantTimeEquals(mac[..<Self.macByteCount], payload[body.endIndex...]) else { return nil }
        return MergedCursorLayout.decode(body)
    }
}
