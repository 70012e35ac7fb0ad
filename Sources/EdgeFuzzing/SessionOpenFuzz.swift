import MCPGateway
import MCPWire

/// Session tokens and merged-list cursors on arbitrary bytes, with fixed keys: what a client
/// can put in `Mcp-Session-Id` or a `cursor` param. Whatever the bytes, opening answers without
/// trapping, and whatever opens or decodes must be re-encoded to the very same bytes (the
/// layouts and base64url are canonical, cursors deterministic). Since no fuzzer forges a tag,
/// the layouts are also fed the raw input, and a state and a cursor derived from the input are
/// sealed, opened, and opened again with one byte changed (the oracle: round trip, then invalid).
enum SessionOpenFuzz {
    /// The clock of every open; the seeds' tokens expire long after it.
    static let now: UInt32 = 1_800_000_000
    static let newKey = SessionKey(id: 7, secret: Array("mcp-edge fuzz session secret, new".utf8))
    static let oldKey = SessionKey(id: 3, secret: Array("mcp-edge fuzz session secret, old".utf8))
    /// Seals with the new key, opens both (the rotation), like a gateway mid-rotation.
    static let sealer = SessionSealer(keys: [newKey, oldKey])
    static let oldSealer = SessionSealer(keys: [oldKey])
    static let cursorSecret = Array("mcp-edge fuzz cursor secret".utf8)
    static let codec = CursorCodec(secret: cursorSecret)

    static func run(_ data: [UInt8]) {
        let input = data[...]
        openToken(input)
        decodeCursor(input)
        decodeSessionLayout(input)
        decodeCursorLayout(input)
        var source = DerivedInput(input)
        sealDerivedState(&source)
        encodeDerivedCursor(&source)
    }

    /// The bytes as a client's `Mcp-Session-Id`.
    static func openToken(_ token: ArraySlice<UInt8>) {
        let result = sealer.open(token, now: now)
        if case .valid(let state) = oldSealer.open(token, now: now) {
            expect(result == .valid(state), "a token of the old key opens alone but not beside the new key")
        }
        guard case .valid(let state) = result else { return }
        expect(token.count <= SessionSealer.maximumTokenLength, "a token over the limit opened")
        expect(reseal(state) == .valid(state), "an opened state does not seal and open again")
    }

    /// The bytes as a client's cursor.
    static func decodeCursor(_ text: ArraySlice<UInt8>) {
        guard let cursor = codec.decode(text) else { return }
        let again = try? codec.encode(cursor)
        expect(again.map { $0[...] == text } == true, "a decoded cursor encodes to other text")
        expect(sealer.open(text, now: now) == .invalid, "a cursor opens as a session token")
    }

    /// The bytes as a session plaintext (what a key holder could seal).
    static func decodeSessionLayout(_ bytes: ArraySlice<UInt8>) {
        guard let state = SessionStateLayout.decode(bytes) else { return }
        var again: [UInt8] = []
        expect((try? SessionStateLayout.encode(state, appendingTo: &again)) != nil && again[...] == bytes,
               "a decoded session layout encodes to other bytes")
        // nil: too long for a token (the layout's limits are per field, the token's is global).
        let result = reseal(state)
        expect(result == nil || result == (now < state.expiresAt ? .valid(state) : .expired),
               "a decoded session layout does not round trip")
    }

    /// The bytes as a cursor payload.
    static func decodeCursorLayout(_ bytes: ArraySlice<UInt8>) {
        guard let cursor = MergedCursorLayout.decode(bytes) else { return }
        var again: [UInt8] = []
        expect((try? MergedCursorLayout.encode(cursor, appendingTo: &again)) != nil && again[...] == bytes,
               "a decoded cursor layout encodes to other bytes")
        if let text = try? codec.encode(cursor) {
            expect(codec.decode(text[...]) == cursor, "a cursor does not round trip")
        }
    }

    /// A valid state made of the input: seals (it is within every limit), opens to itself,
    /// expires on time, and no longer opens with one byte changed.
    static func sealDerivedState(_ source: inout DerivedInput) {
        let state = source.sessionState()
        guard let token = try? sealer.seal(state) else {
            expect(false, "a state within every limit does not seal")
            return
        }
        expect(token.allSatisfy(isBase64URL), "a token with characters outside base64url")
        if state.expiresAt > 0 {
            expect(sealer.open(token[...], now: state.expiresAt - 1) == .valid(state), "a sealed state does not open to itself")
        }
        expect(sealer.open(token[...], now: state.expiresAt) == .expired, "a token is not expired at expiresAt")
        expect(oldSealer.open(token[...], now: 0) == .invalid, "a token opens without its key")
        var changed = token
        let index = Int(source.u16()) % changed.count
        let replacement = source.u8()
        guard replacement != changed[index] else { return }
        changed[index] = replacement
        expect(sealer.open(changed[...], now: 0) == .invalid, "a token with byte \(index) changed still opens")
    }

    /// A cursor made of the input: decodes to itself, and not with one byte changed.
    static func encodeDerivedCursor(_ source: inout DerivedInput) {
        let cursor = source.mergedCursor()
        guard let text = try? codec.encode(cursor) else {
            expect(false, "a cursor within every limit does not encode")
            return
        }
        expect(codec.decode(text[...]) == cursor, "an encoded cursor does not decode to itself")
        var changed = text
        let index = Int(source.u16()) % changed.count
        let replacement = source.u8()
        guard replacement != changed[index] else { return }
        changed[index] = replacement
        expect(codec.decode(changed[...]) == nil, "a cursor with byte \(index) changed still decodes")
    }

    /// Seals and opens `state`; nil when it is too long for a token.
    static func reseal(_ state: ClientSessionState) -> SessionOpenResult? {
        do {
            return sealer.open(try sealer.seal(state)[...], now: now)
        } catch TokenEncodingError.tokenTooLong {
            return nil
        } catch {
            expect(false, "a state that decoded does not seal: \(error)")
            return nil
        }
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2D || byte == 0x5F
    }
}
