extension EdgeConfiguration {
    /// A backend MCP server that routes refer to by name.
    public struct Server: Sendable, Hashable {
        public let name: String
        public let backend: Backend
        /// How a stdio backend's process is started (ignored for HTTP backends).
        public let process: ProcessOptions
        /// TLS to an `https://` backend (ignored for `http://` and stdio backends).
        public let tls: UpstreamTLS
        /// Header fields mcp-edge adds to every request to this backend (its own credentials;
        /// the client's never reach it).
        public let credentials: [CredentialField]
        /// OAuth 2.0 client credentials: mcp-edge gets its own token for this backend.
        public let oauth: OAuthClient?
        /// RFC 8693 token exchange: the client's token traded for one meant for this backend.
        public let tokenExchange: OAuthClient?

        public init(name: String, backend: Backend, process: ProcessOptions = ProcessOptions(),
                    tls: UpstreamTLS = UpstreamTLS(), credentials: [CredentialField] = [], oauth: OAuthClient? = nil,
                    tokenExchange: OAuthClient? = nil) {
            self.oauth = oauth
            self.tokenExchange = tokenExchange
            self.name = name
            self.backend = backend
            self.process = process
            self.tls = tls
            self.credentials = credentials
        }
    }

    /// How mcp-edge reaches a backend.
    public enum Backend: Sendable, Hashable {
        /// Streamable HTTP at a URL.
        case http(UpstreamURL)
        /// A child process speaking MCP over stdin/stdout; `command[0]` is found via `PATH`.
        case stdio(command: [String])
    }

    /// The environment and working directory of a stdio backend's process, and whether each
    /// client session gets a process of its own.
    public struct ProcessOptions: Sendable, Hashable {
        /// Variables set on top of mcp-edge's own environment, in file order.
        public let environment: [EnvironmentVariable]
        /// Working directory (absolute); nil: mcp-edge's own.
        public let workingDirectory: String?
        /// One process per client session instead of one per worker shared by its sessions.
        public let perSession: Bool

        public init(environment: [EnvironmentVariable] = [], workingDirectory: String? = nil, perSession: Bool = false) {
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.perSession = perSession
        }
    }

    /// One `env:` entry of a stdio backend.
    public struct EnvironmentVariable: Sendable, Hashable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Certificate checks for an `https://` backend: on by default, against the system's CAs
    /// unless `ca` names a PEM bundle; `serverName` overrides the name checked and sent as SNI.
    public struct UpstreamTLS: Sendable, Hashable {
        public let caFile: String?
        public let verify: Bool
        public let serverName: String?
        /// mcp-edge's client certificate and key for backends that ask for one (mutual TLS).
        public let certificate: String?
        public let key: String?

        public init(caFile: String? = nil, verify: Bool = true, serverName: String? = nil,
                    certificate: String? = nil, key: String? = nil) {
            self.certificate = certificate
            self.key = key
            self.caFile = caFile
            self.verify = verify
            self.serverName = serverName
        }
    }
}

extension EdgeConfiguration {
    /// Where a secret comes from: written in the file, an environment variable, or a file
    /// (read when the configuration is served; trailing newlines dropped).
    public enum SecretSource: Sendable, Hashable {
        case literal(String)
        case environment(String)
        case file(String)
    }

    /// One header field of a backend's credentials: `Authorization: Bearer …` or any other.
    public struct CredentialField: Sendable, Hashable {
        /// Lower-case field name.
        public let name: String
        /// Prepended to the secret (`Bearer `).
        public let prefix: String
        public let secret: SecretSource

        public init(name: String, prefix: String = "", secret: SecretSource) {
            self.name = name
            self.prefix = prefix
            self.secret = secret
        }
    }
}

extension EdgeConfiguration {
    /// The client credentials grant (RFC 6749 §4.4) against a token endpoint: the token is
    /// fetched before serving and again before it expires, and sent as `Authorization: Bearer`.
    public struct OAuthClient: Sendable, Hashable {
        public let tokenURL: String
        public let clientID: SecretSource
        public let clientSecret: SecretSource
        public let scope: String?
        /// RFC 8707 `resource` (and `audience`, which some servers read instead) of the token.
        public let audience: String?
        /// CA bundle for the token endpoint (nil: the system's).
        public let caFile: String?

        public init(tokenURL: String, clientID: SecretSource, clientSecret: SecretSource, scope: String? = nil,
                    audience: String? = nil, caFile: String? = nil) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.scope = scope
            self.audience = audience
            self.caFile = caFile
        }
    }
}
