import EdgeCrypto
import MCPWire

/// What a JWT must satisfy and which claims name the identity.
public struct JWTSettings: Sendable {
    /// The exact `iss` the tokens carry.
    public var issuer: String
    /// Accepted `aud` values: this server's canonical URI (RFC 8707), and any configured extras.
    public var audiences: [String]
    public var algorithms: Set<SignatureAlgorithm>
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    public var leewaySeconds: Int
    /// Longer tokens are refused before any work is done.
    public var maxTokenBytes: Int
    public var claims: ClaimNames

    /// The claims mapped to an identity.
    public struct ClaimNames: Sendable {
        public var subject = "sub"
        public var tenant = "tenant"
        /// An array of strings, or one space-separated string.
        public var groups = "groups"
        /// `scope` (space-separated, RFC 8693 §4.2) or `scp` (an array) unless configured.
        public var scopes = "scope"

        public init() {}
    }

    public init(issuer: String, audiences: [String], algorithms: Set<SignatureAlgorithm> = Set(SignatureAlgorithm.allCases),
                leewaySeconds: Int = 60, maxTokenBytes: Int = 8192, claims: ClaimNames = ClaimNames()) {
        self.issuer = issuer
        self.audiences = audiences
        self.algorithms = algorithms
        self.leewaySeconds = leewaySeconds
        self.maxTokenBytes = maxTokenBytes
        self.claims = claims
    }
}

/// A token that passed every check: who it names, and until when it may be trusted.
public struct VerifiedToken: Sendable {
    public let identity: Identity
    /// `exp`, in seconds since the epoch.
    public let expires: Int
}

/// Verifies compact JWS tokens (RFC 7515/7519): the JOSE header and claims are parsed here,
/// the signature is checked by OpenSSL (`VerifyingKey`). Refuses `alg: none`, symmetric
/// algorithms, algorithm/key mismatches, `crit` extensions, oversized tokens, and tokens that
/// fail `iss`, `aud`, `exp` or `nbf`. Stateless apart from its settings and keys.
public struct JWTVerifier: Sendable {
    public let settings: JWTSettings

    public init(settings: JWTSettings) {
        self.settings = settings
    }

    /// The refusal of a token whose `kid` the key set does not have (a refresh may help).
    public static let unknownKeyReason = "unknown key id"

    /// Whether `token` has the shape of a compact JWS (three base64url segments): a bearer
    /// credential that is not one is looked up as an API key instead.
    public static func looksLikeJWT(_ token: ArraySlice<UInt8>) -> Bool {
        var dots = 0
        for byte in token where byte == 0x2E { dots += 1 }
        return dots == 2
    }

    public func verify(_ token: ArraySlice<UInt8>, keys: JSONWebKeySet, now: Int) -> Result<VerifiedToken, AuthFailure> {
        func invalid(_ text: String) -> Result<VerifiedToken, AuthFailure> { .failure(.invalidToken(text)) }
        guard token.count <= settings.maxTokenBytes else { return invalid("token longer than \(settings.maxTokenBytes) bytes") }
        let segments = token.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard segments.count == 3,
              let headerBytes = Base64URL.decode(segments[0]),
              let payloadBytes = Base64URL.decode(segments[1]),
              let signature = Base64URL.decode(segments[2]) else { return invalid("not a compact JWS") }
        guard let header = JSONValue.parse(headerBytes[...], maxDepth: 4), header.objectValue != nil else {
            return invalid("malformed JOSE header")
        }
        guard let algName = header["alg"]?.stringValue else { return invalid("no \"alg\" in the JOSE header") }
        guard let algorithm = SignatureAlgorithm(rawValue: algName), settings.algorithms.contains(algorithm) else {
            return invalid("algorithm \(algName.prefix(16)) is not accepted")
        }
        if header["crit"] != nil { return invalid("unsupported critical header parameters") }
        if let typ = header["typ"] {
            let text = typ.stringValue?.lowercased() ?? ""
            guard ["jwt", "at+jwt", "application/at+jwt", "application/jwt"].contains(text) else {
                return invalid("\"typ\" is not a JWT type")
            }
        }
        var kid: String?
        if let value = header["kid"] {
            guard let text = value.stringValue else { return invalid("\"kid\" is not a string") }
            kid = text
        }
        let candidates = keys.candidates(kid: kid, algorithm: algorithm)
        guard !candidates.isEmpty else { return .failure(.invalidToken(kid == nil ? "no key for this algorithm" : Self.unknownKeyReason)) }
        let signingInput = token[token.startIndex..<segments[1].endIndex]
        guard candidates.prefix(8).contains(where: { $0.key.verify(signature[...], of: signingInput, algorithm: algorithm) }) else {
            return invalid("bad signature")
        }
        guard let claims = JSONValue.parse(payloadBytes[...], maxDepth: 16), claims.objectValue != nil else {
            return invalid("claims are not a JSON object")
        }
        return check(claims, now: now)
    }

    /// The registered claims and the identity mapping, once the signature holds.
    func check(_ claims: JSONValue, now: Int) -> Result<VerifiedToken, AuthFailure> {
        func invalid(_ text: String) -> Result<VerifiedToken, AuthFailure> { .failure(.invalidToken(text)) }
        guard claims["iss"]?.stringValue == settings.issuer else { return invalid("wrong issuer") }
        let audiences: [String]
        switch claims["aud"] {
        case .string?: audiences = [claims["aud"]!.stringValue ?? ""]
        case .array(let items)?: audiences = items.compactMap(\.stringValue)
        default: return invalid("no audience")
        }
        guard audiences.contains(where: settings.audiences.contains) else { return invalid("wrong audience") }
        guard let exp = claims["exp"].flatMap(Self.seconds) else { return invalid("no expiry (\"exp\")") }
        guard now < exp + settings.leewaySeconds else { return invalid("token expired") }
        if let nbfValue = claims["nbf"] {
            guard let nbf = Self.seconds(nbfValue) else { return invalid("malformed \"nbf\"") }
            guard now + settings.leewaySeconds >= nbf else { return invalid("token not valid yet") }
        }
        guard let subject = claims[settings.claims.subject]?.stringValue, !subject.isEmpty else {
            return invalid("no subject (\"\(settings.claims.subject)\")")
        }
        let tenant = claims[settings.claims.tenant]?.stringValue
        let groups = Self.strings(claims[settings.claims.groups])
        var scopes = Self.strings(claims[settings.claims.scopes])
        if scopes.isEmpty, settings.claims.scopes == "scope" { scopes = Self.strings(claims["scp"]) }
        let identity = Identity(source: .jwt, issuer: settings.issuer, subject: subject, tenant: tenant,
                                groups: groups, scopes: scopes)
        return .success(VerifiedToken(identity: identity, expires: exp + settings.leewaySeconds))
    }

    /// A NumericDate (seconds; a fraction is cut off).
    static func seconds(_ value: JSONValue) -> Int? {
        guard let token = value.numberToken else { return nil }
        if let whole = value.intValue { return whole }
        guard let number = Double(String(decoding: token, as: UTF8.self)), number.isFinite,
              abs(number) < 1e15 else { return nil }
        return Int(number)
    }

    /// An array of strings, or one space-separated string.
    static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string?: return (value!.stringValue ?? "").split(separator: " ").map(String.init)
        case .array(let items)?: return items.compactMap(\.stringValue)
        default: return []
        }
    }
}
