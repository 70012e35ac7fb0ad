import EdgeIO
import EdgeTLS
import MCPWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// mcp-edge's own OAuth token for one backend (client credentials grant, RFC 6749 §4.4), on a
/// thread of its own: fetched before serving, again at 80 % of its lifetime, and after a
/// failure with a growing pause (2 s to 60 s). Each new token reaches every worker through its
/// loop (`deliver`), so backend requests read a worker-local value, never a shared one.
final class BackendTokenRefresher {
    let server: String
    let index: Int
    private let tokenURL: String
    private let clientID: String
    private let clientSecret: String
    private let scope: String?
    private let audience: String?
    private let caFile: String?
    /// Hands a new `Authorization` value to every worker (set by the server).
    var deliver: ([UInt8]) -> Void = { _ in }
    private let poller = PollingThread()

    init(server: String, index: Int, tokenURL: String, clientID: String, clientSecret: String, scope: String?,
         audience: String?, caFile: String?) {
        self.server = server
        self.index = index
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.audience = audience
        self.caFile = caFile
    }

    /// One token request; the token's lifetime in seconds, or nil (logged) on failure.
    @discardableResult
    func refresh() -> Int? {
        var form = [("grant_type", "client_credentials")]
        if let scope { form.append(("scope", scope)) }
        if let audience { form += [("resource", audience), ("audience", audience)] }
        guard let token = TokenEndpoint.request(tokenURL, form: form, clientID: clientID, clientSecret: clientSecret,
                                                caFile: caFile, server: server) else { return nil }
        deliver(token.authorization)
        return token.lifetime ?? 3600
    }

    /// Fetches once, then keeps the token fresh until `stop`.
    func start() throws {
        let first = refresh()
        var pause: UInt64 = 2000
        var next = EventLoop.monotonicMilliseconds() + Self.renewal(after: first, pause: &pause)
        try poller.start(name: "edge-oauth", pauseMicroseconds: 100_000) { [self] in
            if EventLoop.monotonicMilliseconds() >= next {
                let lifetime = refresh()
                next = EventLoop.monotonicMilliseconds() + Self.renewal(after: lifetime, pause: &pause)
            }
            return false
        }
    }

    /// Milliseconds until the next request: 80 % of a token's lifetime (at least 5 s), or,
    /// after a failure, a pause that doubles up to a minute.
    private static func renewal(after lifetime: Int?, pause: inout UInt64) -> UInt64 {
        guard let lifetime else {
            defer { pause = Swift.min(pause * 2, 60_000) }
            return pause
        }
        pause = 2000
        return Swift.max(UInt64(Swift.max(lifetime, 0)) * 800, 5000)
    }

    func stop() { poller.stop() }
}

/// One request to an OAuth token endpoint (client credentials or RFC 8693 exchange): the form
/// POSTed over verified HTTPS with `client_secret_basic`, the answer checked for a Bearer
/// `access_token`. Blocking: helper threads only. Failures are logged, never the secrets.
enum TokenEndpoint {
    /// The `Authorization` value to send and the token's `expires_in`, or nil.
    static func request(_ url: String, form: [(String, String)], clientID: String, clientSecret: String,
                        caFile: String?, server: String) -> (authorization: [UInt8], lifetime: Int?)? {
        let basic = Base64.encode(Array((HTTPSFetch.formEncode(clientID) + ":" + HTTPSFetch.formEncode(clientSecret)).utf8))
        do {
            let response = try HTTPSFetch.postForm(url, form: form,
                                                   headers: [("authorization", "Basic " + String(decoding: basic, as: UTF8.self))],
                                                   caFile: caFile)
            guard response.status == 200, let document = JSONValue.parse(response.body[...], maxDepth: 8),
                  let token = document["access_token"]?.stringValue, !token.isEmpty,
                  token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                EdgeLog.write("server \(server): the token endpoint answered HTTP \(response.status) without a usable access_token")
                return nil
            }
            if let type = document["token_type"]?.stringValue, type.lowercased() != "bearer" {
                EdgeLog.write("server \(server): token_type \(type) is not Bearer")
                return nil
            }
            return (Array(("Bearer " + token).utf8), document["expires_in"]?.intValue)
        } catch {
            EdgeLog.write("server \(server): token request to \(url) failed: \(error)")
            return nil
        }
    }
}
