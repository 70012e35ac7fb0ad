@testable import EdgePolicy
import EdgeCrypto
import MCPWire
import XCTest

/// API keys, bearer parsing, the per-worker cache, required scopes, and what 401/403 answers
/// and RFC 9728 metadata say.
final class AuthenticatorTests: XCTestCase {
    let alice = Identity(source: .apiKey, subject: "alice", tenant: "acme", groups: ["dev"], scopes: ["mcp:tools"])

    func authenticator(requiredScopes: [String] = [], jwt: Bool = false) -> Authenticator {
        let keys = APIKeyTable([(SHA256.hash(Array("key-alice".utf8)), alice)])
        var verifier: JWTVerifier?
        var set = JSONWebKeySet(keys: [])
        if jwt {
            verifier = JWTVerifier(settings: JWTSettings(issuer: "https://idp.example.com", audiences: ["https://mcp.example.com/mcp"]))
            guard case .success(let parsed) = JSONWebKeySet.parse(Array(JWTVerifierTests.jwks.utf8)[...]) else { fatalError() }
            set = parsed
        }
        return Authenticator(resource: "https://mcp.example.com/mcp", authorizationServers: ["https://idp.example.com"],
                             requiredScopes: requiredScopes, apiKeys: keys, apiKeyHeader: "X-API-Key", jwt: verifier, keys: set)
    }

    func run(_ auth: Authenticator, _ header: String?, apiKey: String? = nil, cache: TokenCache = TokenCache(),
             now: Int = JWTVerifierTests.now) -> Result<Identity, AuthFailure> {
        auth.authenticate(authorization: header.map { Array($0.utf8)[...] }, apiKey: apiKey.map { Array($0.utf8)[...] },
                          now: now, cache: cache)
    }

    func testBearerParsing() {
        func token(_ text: String) -> String? {
            BearerCredential.token(in: Array(text.utf8)[...]).map { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(token("Bearer abc.def-_~+/="), "abc.def-_~+/=")
        XCTAssertEqual(token("bEaReR   xyz"), "xyz")
        XCTAssertNil(token("Bearer"))
        XCTAssertNil(token("Bearer "))
        XCTAssertNil(token("Basic YWxpY2U6eA=="))
        XCTAssertNil(token("Bearer a b"))
        XCTAssertNil(token("Bearer a=b"))
        XCTAssertNil(token("Bearerabc"))
    }

    func testAPIKeysByAuthorizationOrTheirOwnHeader() throws {
        let auth = authenticator()
        XCTAssertTrue(try run(auth, "Bearer key-alice").get() === alice)
        XCTAssertTrue(try run(auth, nil, apiKey: "key-alice").get() === alice)
        XCTAssertEqual(run(auth, "Bearer key-bob"), .failure(.invalidToken("unknown API key")))
        XCTAssertEqual(run(auth, nil), .failure(.missing))
        XCTAssertEqual(run(auth, "Basic a2V5"), .failure(.invalidToken("the Authorization header is not \"Bearer <token>\"")))
    }

    func testRequiredScopesGiveInsufficientScope() {
        XCTAssertEqual(run(authenticator(requiredScopes: ["mcp:admin"]), "Bearer key-alice"),
                       .failure(.insufficientScope(["mcp:admin"])))
        XCTAssertNotNil(try? run(authenticator(requiredScopes: ["mcp:tools"]), "Bearer key-alice").get())
    }

    func testVerifiedTokensAreCachedUntilTheyExpire() throws {
        let auth = authenticator(jwt: true)
        let cache = TokenCache()
        let first = try run(auth, "Bearer " + JWTVerifierTests.es256, cache: cache).get()
        XCTAssertEqual(cache.count, 1)
        let second = try run(auth, "Bearer " + JWTVerifierTests.es256, cache: cache).get()
        XCTAssertTrue(first === second, "the cached identity, no second signature check")
        // Past its expiry (and leeway) the cached entry is dropped and the token refused.
        XCTAssertEqual(run(auth, "Bearer " + JWTVerifierTests.es256, cache: cache, now: 1_700_003_600 + 61),
                       .failure(.invalidToken("token expired")))
        XCTAssertEqual(cache.count, 0)
        // A cache filled by another authenticator (a reload) is not trusted.
        _ = try run(auth, "Bearer " + JWTVerifierTests.es256, cache: cache).get()
        XCTAssertNil(cache.lookup(Array(JWTVerifierTests.es256.utf8)[...], now: JWTVerifierTests.now,
                                  generation: ObjectIdentifier(authenticator(jwt: true))))
    }

    func testTheCacheIsBounded() throws {
        let cache = TokenCache(capacity: 3)
        let auth = authenticator()
        for i in 0..<10 {
            cache.remember(Array("t\(i)".utf8)[...], alice, expires: Int.max, now: 0, generation: ObjectIdentifier(auth))
            XCTAssertLessThanOrEqual(cache.count, 3)
        }
    }

    func testMetadataAndChallenges() throws {
        let auth = authenticator(requiredScopes: ["mcp:tools"])
        XCTAssertEqual(ProtectedResourceMetadata.metadataURL(for: "https://mcp.example.com/mcp"),
                       "https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        XCTAssertEqual(ProtectedResourceMetadata.metadataURL(for: "https://mcp.example.com"),
                       "https://mcp.example.com/.well-known/oauth-protected-resource")
        XCTAssertEqual(ProtectedResourceMetadata.metadataPath(for: "http://127.0.0.1:8080/a/mcp?x=1"),
                       "/.well-known/oauth-protected-resource/a/mcp")
        let document = try XCTUnwrap(JSONValue.parse(ProtectedResourceMetadata.document(auth)[...]))
        XCTAssertEqual(document["resource"]?.stringValue, "https://mcp.example.com/mcp")
        XCTAssertEqual(document["authorization_servers"]?[0]?.stringValue, "https://idp.example.com")
        XCTAssertEqual(document["scopes_supported"]?[0]?.stringValue, "mcp:tools")
        XCTAssertEqual(document["bearer_methods_supported"]?[0]?.stringValue, "header")
        let meta = "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
        XCTAssertEqual(ProtectedResourceMetadata.challenge(auth, failure: .missing), "Bearer \(meta), scope=\"mcp:tools\"")
        XCTAssertEqual(ProtectedResourceMetadata.challenge(auth, failure: .invalidToken("bad \"x\"")),
                       "Bearer \(meta), error=\"invalid_token\", error_description=\"bad x\"")
        XCTAssertEqual(ProtectedResourceMetadata.challenge(auth, failure: .insufficientScope(["a", "b"])),
                       "Bearer \(meta), error=\"insufficient_scope\", scope=\"a b\"")
    }

    func testIdentitiesBindByWhoTheyAre() {
        let a = Identity(source: .jwt, issuer: "i", subject: "alice", tenant: "acme")
        XCTAssertEqual(a.binding, Identity(source: .jwt, issuer: "i", subject: "alice", tenant: "acme", groups: ["x"]).binding)
        XCTAssertNotEqual(a.binding, Identity(source: .jwt, issuer: "i", subject: "alice", tenant: "other").binding)
        XCTAssertNotEqual(a.binding, Identity(source: .apiKey, issuer: "i", subject: "alice", tenant: "acme").binding)
        XCTAssertNotEqual(a.binding, Identity(source: .jwt, issuer: "j", subject: "alice", tenant: "acme").binding)
        XCTAssertEqual(a.binding.count, 16)
    }
}
