import EdgeCrypto
import MCPWire

/// The signing keys of an issuer, from a JWKS document (RFC 7517): public keys only, each
/// with its `kid` and the algorithms it may check. Keys mcp-edge cannot or must not use are
/// left out and counted (symmetric `oct` keys, encryption keys, unknown curves, RSA under
/// 2048 bits), so one odd key does not make the whole set unusable.
public struct JSONWebKeySet: Sendable {
    /// One usable key.
    public struct Key: Sendable {
        public let id: String?
        /// The JWK's `alg` when it names one: the only algorithm the key may check.
        public let algorithm: SignatureAlgorithm?
        public let key: VerifyingKey

        /// Whether a token signed with `algorithm` may be checked with this key.
        public func accepts(_ algorithm: SignatureAlgorithm) -> Bool {
            (self.algorithm == nil || self.algorithm == algorithm) && key.accepts(algorithm)
        }
    }

    public let keys: [Key]
    /// Entries left out, with why (for the log at load time).
    public let skipped: [String]

    public init(keys: [Key], skipped: [String] = []) {
        self.keys = keys
        self.skipped = skipped
    }

    /// Why a document is no key set at all.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a JWKS document. Fails only when it is not a JSON object with a `keys` array.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> Result<JSONWebKeySet, ParseError> {
        guard bytes.count <= 1 << 20 else { return .failure(ParseError(description: "larger than 1 MiB")) }
        guard let document = JSONValue.parse(bytes, maxDepth: 8) else { return .failure(ParseError(description: "not valid JSON")) }
        guard let entries = document["keys"]?.arrayValue else {
            return .failure(ParseError(description: "not a JWK set: expected an object with a \"keys\" array"))
        }
        var keys: [Key] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            switch key(entry) {
            case .success(let key): keys.append(key)
            case .failure(let reason):
                let kid = entry["kid"]?.stringValue.map { " (kid \"\($0)\")" } ?? ""
                skipped.append("key \(index)\(kid): \(reason.description)")
            }
        }
        return .success(JSONWebKeySet(keys: keys, skipped: skipped))
    }

    /// The keys that may check a token with this `kid` (nil: every key) and algorithm.
    public func candidates(kid: String?, algorithm: SignatureAlgorithm) -> [Key] {
        keys.filter { ($0.id == kid || kid == nil) && $0.accepts(algorithm) }
    }

    private static func key(_ jwk: JSONValue) -> Result<Key, ParseError> {
        func fail(_ text: String) -> Result<Key, ParseError> { .failure(ParseError(description: text)) }
        guard jwk.objectValue != nil else { return fail("not an object") }
        if let use = jwk["use"], use.stringValue != "sig" { return fail("\"use\" is not \"sig\"") }
        if let operations = jwk["key_ops"]?.arrayValue, !operations.contains(where: { $0.stringValue == "verify" }) {
            return fail("\"key_ops\" does not allow \"verify\"")
        }
        var algorithm: SignatureAlgorithm?
        if let alg = jwk["alg"] {
            guard let name = alg.stringValue, let known = SignatureAlgorithm(rawValue: name) else {
                return fail("unsupported \"alg\"")
            }
            algorithm = known
        }
        func member(_ name: String) -> [UInt8]? {
            jwk[name]?.stringBytes.flatMap { Base64URL.decode($0[...]) }
        }
        if jwk["d"] != nil { return fail("holds a private key (\"d\"); publish public keys only") }
        let verifying: VerifyingKey?
        switch jwk["kty"]?.stringValue {
        case "RSA":
            guard let n = member("n"), let e = member("e") else { return fail("RSA key without base64url \"n\" and \"e\"") }
            verifying = VerifyingKey.rsa(modulus: n, exponent: e)
            if case .rsa(let bits)? = verifying?.kind, bits < 2048 { return fail("RSA key of \(bits) bits (at least 2048)") }
        case "EC":
            guard let curve = jwk["crv"]?.stringValue.flatMap(VerifyingKey.Curve.init(rawValue:)) else {
                return fail("EC key on an unsupported curve (P-256 and P-384 are)")
            }
            guard let x = member("x"), let y = member("y") else { return fail("EC key without base64url \"x\" and \"y\"") }
            verifying = VerifyingKey.ec(curve: curve, x: x, y: y)
        case "OKP":
            guard jwk["crv"]?.stringValue == "Ed25519" else { return fail("OKP key on an unsupported curve (Ed25519 is)") }
            guard let x = member("x") else { return fail("Ed25519 key without base64url \"x\"") }
            verifying = VerifyingKey.ed25519(x)
        case "oct":
            return fail("symmetric key (\"oct\"): never used, tokens must be signed with a private key")
        default:
            return fail("unsupported \"kty\"")
        }
        guard let verifying else { return fail("OpenSSL refused the key parameters") }
        if let algorithm, !verifying.accepts(algorithm) { return fail("\"alg\" \(algorithm.rawValue) does not fit the key type") }
        return .success(Key(id: jwk["kid"]?.stringValue, algorithm: algorithm, key: verifying))
    }
}
