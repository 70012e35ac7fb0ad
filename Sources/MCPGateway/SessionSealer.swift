import EdgeCrypto
import MCPWire

/// Mints and opens the `Mcp-Session-Id` of gateway client sessions: the session's state,
/// sealed with AES-256-GCM, so the token needs no server-side table.
///
///     token = base64url(keyID || nonce (12) || ciphertext || tag (16)), no padding
///     AAD   = "mcp-edge/session/v1" || keyID
///     key   = HKDF-SHA256(secret, salt "mcp-edge", info "session-id/v1"), once per key
///
/// The plaintext is `SessionStateLayout`. The first key seals; every key opens, so a secret
/// can be rotated by putting the new key first and keeping the old one until its tokens expire.
///
/// Tokens that opened as authentic are remembered (`OpenedTokens`, a few hundred, by their
/// exact bytes), so a session's every request after the first costs a compare instead of a
/// base64 decode, an AES-GCM open and a layout decode; expiry is still checked each time.
///
/// Not thread safe (it holds OpenSSL cipher contexts, scratch buffers and that memory): one
/// instance per worker thread, all built from the same keys.
public final class SessionSealer {
    /// Longer tokens are refused when opening, and never minted.
    public static let maximumTokenLength = 8192
    static let label: [UInt8] = Array("mcp-edge/session/v1".utf8)

    /// A cipher and the additional data for one key id.
    private struct Key {
        let id: UInt8
        let cipher: AESGCM
        let aad: [UInt8]
    }

    private let sealing: Key
    /// Indexed by key id; nil for ids not configured.
    private let opening: [Key?]
    private var plaintext: [UInt8] = []
    private var sealed: [UInt8] = []
    /// The key's AAD followed by the caller's context, rebuilt per call without allocating.
    private var aad: [UInt8] = []
    private var opened = OpenedTokens()

    /// `keys` must not be empty nor repeat an id (the configuration checks both; a violation
    /// here is a programming error).
    public init(keys: [SessionKey]) {
        precondition(!keys.isEmpty, "SessionSealer needs at least one key")
        var opening = [Key?](repeating: nil, count: 256)
        for key in keys {
            precondition(opening[Int(key.id)] == nil, "SessionSealer: key id \(key.id) given twice")
            let aes = HKDF.sha256(secret: key.secret, salt: Array("mcp-edge".utf8), info: Array("session-id/v1".utf8),
                                  count: AESGCM.keyByteCount)
            opening[Int(key.id)] = Key(id: key.id, cipher: AESGCM(key: aes), aad: Self.label + [key.id])
        }
        self.opening = opening
        sealing = opening[Int(keys[0].id)]!
        plaintext.reserveCapacity(1024)
        sealed.reserveCapacity(1024)
    }

    /// One key (id 0) with 32 random bytes, for a configuration without `session_secret`.
    /// Call it once per process and give the same keys to every worker's sealer: tokens then
    /// work across workers, but not across restarts or instances.
    public static func randomKeys() -> [SessionKey] {
        [SessionKey(id: 0, secret: SecureRandom.bytes(32))]
    }

    /// The token for `state` (ASCII: A-Z a-z 0-9 - _). Throws `TokenEncodingError` when a field
    /// is over its `SessionStateLayout` limit or the token would exceed `maximumTokenLength`.
    /// `context` is bound to the token (authenticated, not stored): `open` must be given the
    /// same bytes, e.g. the route the session belongs to.
    public func seal(_ state: ClientSessionState, context: ArraySlice<UInt8> = []) throws -> [UInt8] {
        plaintext.removeAll(keepingCapacity: true)
        try SessionStateLayout.encode(state, appendingTo: &plaintext)
        let length = Base64URL.encodedCount(1 + plaintext.count + AESGCM.overhead)
        guard length <= Self.maximumTokenLength else {
            throw TokenEncodingError.tokenTooLong(count: length, limit: Self.maximumTokenLength)
        }
        sealed.removeAll(keepingCapacity: true)
        sealed.append(sealing.id)
        aad.removeAll(keepingCapacity: true)
        aad.append(contentsOf: sealing.aad)
        aad.append(contentsOf: context)
        sealing.cipher.seal(plaintext[...], aad: aad[...], into: &sealed)
        return Base64URL.encode(sealed[...])
    }

    /// The state inside `token` if it is authentic and `now` (Unix seconds) is before its
    /// `expiresAt`. Never traps, whatever the bytes.
    public func open(_ token: ArraySlice<UInt8>, now: UInt32, context: ArraySlice<UInt8> = []) -> SessionOpenResult {
        guard token.count <= Self.maximumTokenLength else { return .invalid }
        if let state = opened.state(of: token, context: context) {
            return now < state.expiresAt ? .valid(state) : .expired
        }
        sealed.removeAll(keepingCapacity: true)
        guard Base64URL.decode(token, appendingTo: &sealed),
              sealed.count >= 1 + AESGCM.overhead + SessionStateLayout.minimumByteCount,
              let key = opening[Int(sealed[0])]
        else { return .invalid }
        plaintext.removeAll(keepingCapacity: true)
        aad.removeAll(keepingCapacity: true)
        aad.append(contentsOf: key.aad)
        aad.append(contentsOf: context)
        guard key.cipher.open(sealed[1...], aad: aad[...], appendingTo: &plaintext),
              let state = SessionStateLayout.decode(plaintext[...])
        else { return .invalid }
        opened.remember(token, context: context, state)
        return now < state.expiresAt ? .valid(state) : .expired
    }
}

/// Session tokens that opened as authentic, with their state: a direct-mapped table of
/// `slotCount` entries indexed by the token's last bytes (base64 of the GCM tag: random), each
/// entry compared in full. Colliding tokens evict each other (a forged token only costs its
/// sender a full open); tokens longer than `maximumTokenLength` are not kept, which bounds the
/// memory to `slotCount` × (that + the state).
struct OpenedTokens {
    static let slotCount = 256
    static let maximumTokenLength = 2048
    private var tokens = [[UInt8]](repeating: [], count: slotCount)
    private var states = [ClientSessionState?](repeating: nil, count: slotCount)
    /// The context each token was opened with: a hit needs the same (a session id is bound
    /// to its route).
    private var contexts = [[UInt8]](repeating: [], count: slotCount)

    private static func slot(_ token: ArraySlice<UInt8>) -> Int? {
        guard token.count >= 4, token.count <= maximumTokenLength else { return nil }
        let end = token.endIndex
        let mixed = (UInt32(token[end - 1]) | UInt32(token[end - 2]) << 8 | UInt32(token[end - 3]) << 16
                     | UInt32(token[end - 4]) << 24) &* 0x9E37_79B1
        return Int(mixed >> 24) & (slotCount - 1)
    }

    func state(of token: ArraySlice<UInt8>, context: ArraySlice<UInt8>) -> ClientSessionState? {
        // In constant time: a forged token must not learn how much of a cached one it matches.
        guard let slot = Self.slot(token), let state = states[slot], constantTimeEquals(tokens[slot][...], token),
              contexts[slot].elementsEqual(context) else {
            return nil
        }
        return state
    }

    mutating func remember(_ token: ArraySlice<UInt8>, context: ArraySlice<UInt8>, _ state: ClientSessionState) {
        guard let slot = Self.slot(token) else { return }
        tokens[slot].removeAll(keepingCapacity: true)
        tokens[slot].append(contentsOf: token)
        contexts[slot].removeAll(keepingCapacity: true)
        contexts[slot].append(contentsOf: context)
        states[slot] = state
    }
}
