import EdgePolicy
import EdgeCrypto
import EdgeConfig
import EdgeIO
import EdgeTLS
#if canImport(Glibc)
import Glibc
#endif

/// Why a valid configuration still cannot be served (a certificate that does not load, an
/// upstream host that is not an IP address).
public struct PlanError: Error, CustomStringConvertible {
    public let description: String
}

extension ServingPlan {
    /// Parts of a valid configuration this version accepts but does not serve yet, so that
    /// `check` and `run` can say so instead of ignoring them silently.
    public static func unservedParts(of config: EdgeConfiguration) -> [String] {
        var notes: [String] = []
        if let admin = config.admin {
            notes.append("admin listener \(admin.address) is not served by this version (no /healthz, /metrics yet)")
        }
        for route in config.routes {
        }

        return notes
    }

    /// Resolves a configuration snapshot: loads certificates, parses upstream addresses.
    public init(configuration config: EdgeConfiguration) throws {
        var listeners: [Listener] = []
        for listener in config.listeners {
            var context: TLSServerContext?
            if let tls = listener.tls {
                let files = tls.allCertificates.map { TLSCertificateFiles(certificatePath: $0.certificate, keyPath: $0.key) }
                let alpn = tls.alpn.compactMap { ALPNProtocol(wireName: $0) }
                do {
                    context = try TLSServerContext(certificates: files, alpn: alpn, releaseBuffers: true,
                                                   clientCA: tls.clientCA, requireClientCertificate: tls.requireClientCertificate)
                } catch {
                    throw Self.located(error, pairs: tls.allCertificates) ?? PlanError(description: "listener \(listener.name): \(error)")
                }
            }
            let address = try Self.socketAddress(host: listener.address.host, port: listener.address.port,
                                                 what: "listener \(listener.name)")
            listeners.append(Listener(name: listener.name, address: address, tls: context))
        }
        var targets: [String: UpstreamTarget] = [:]
        var tokenRefreshers: [BackendTokenRefresher] = []
        for server in config.orderedServers {
            guard case .http(let url) = server.backend else { continue }
            var context: TLSClientContext?
            if url.scheme == .https {
                do {
                    context = try TLSClientContext(caFile: server.tls.caFile, verifyPeer: server.tls.verify,
                                                   certificate: server.tls.certificate, key: server.tls.key)
                } catch {
                    throw PlanError(description: "server \(server.name): \(error)")
                }
            }
            // Host names are resolved here, once, before any event loop runs (never on a loop).
            let address = try Self.resolve(host: url.host, port: url.port, what: "server \(server.name)")
            let credentials = try server.credentials.map { field in
                (Array(field.name.utf8), Array((field.prefix + (try Self.secret(field.secret, server: server.name, field: field.name))).utf8))
            }
            targets[server.name] = UpstreamTarget(name: server.name, index: targets.count, address: address,
                                                  host: url.hostHeader, path: url.path, tls: context,
                                                  serverName: server.tls.serverName ?? url.host, credentials: credentials)
            if let exchange = server.tokenExchange, let target = targets[server.name] {
                target.exchange = TokenExchangeSettings(
                    server: server.name, tokenURL: exchange.tokenURL,
                    clientID: try Self.secret(exchange.clientID, server: server.name, field: "token_exchange.client_id"),
                    clientSecret: try Self.secret(exchange.clientSecret, server: server.name, field: "token_exchange.client_secret"),
                    audience: exchange.audience, scope: exchange.scope, caFile: exchange.caFile)
            }
            if let oauth = server.oauth, let target = targets[server.name] {
                target.issuesTokens = true
                tokenRefreshers.append(BackendTokenRefresher(
                    server: server.name, index: target.index, tokenURL: oauth.tokenURL,
                    clientID: try Self.secret(oauth.clientID, server: server.name, field: "oauth.client_id"),
                    clientSecret: try Self.secret(oauth.clientSecret, server: server.name, field: "oauth.client_secret"),
                    scope: oauth.scope, audience: oauth.audience, caFile: oauth.caFile))
            }
        }
        var routes: [RouteTable.Entry] = []
        var access = AccessPlan()
        var gatewayBackends: [String: GatewayBackend] = [:]
        var gatewayRouteCount = 0
        for route in config.routes {
            switch route.target {
            case .passthrough(let name):
                guard let target = targets[name] else {
                    throw PlanError(description: "route \(route.path): passthrough to \(name) needs a url: backend (stdio servers are served by gateway routes)")
                }
                routes.append(RouteTable.Entry(path: Array(route.path.utf8), route: .passthrough(target),
                                               access: try access.access(for: route, in: config)))
            case .gateway(let names):
                var backends: [GatewayBackend] = []
                for name in names {
                    if let existing = gatewayBackends[name] { backends.append(existing); continue }
                    guard let server = config.servers[name] else { continue }
                    let kind: GatewayBackend.Kind
                    switch server.backend {
                    case .http: kind = .http(targets[name]!)
                    case .stdio(let command): kind = .stdio(command: command, process: server.process)
                    }
                    let backend = GatewayBackend(name: name, index: gatewayBackends.count, kind: kind)
                    gatewayBackends[name] = backend
                    backends.append(backend)
                }
                let gatewayRoute = GatewayRoute(index: gatewayRouteCount, path: route.path, backends: backends,
                                                options: route.gateway, edgeVersion: EdgeVersion.current)
                gatewayRouteCount += 1
                routes.append(RouteTable.Entry(path: Array(route.path.utf8), route: .gateway(gatewayRoute),
                                               access: try access.access(for: route, in: config)))
            }
        }
        var settings = DataPlaneSettings()
        settings.maxHeadBytes = config.limits.maxHeadBytes
        settings.maxHeaderCount = config.limits.maxHeaderCount
        settings.maxBodyBytes = config.limits.maxBodyBytes
        settings.maxConcurrentStreams = config.limits.maxConcurrentStreams
        settings.maxConnectionsPerWorker = config.limits.maxConnectionsPerWorker
        settings.maxPendingHandshakes = config.limits.maxPendingHandshakes
        settings.maxUpstreamConnectionsPerServer = config.limits.maxUpstreamConnectionsPerServer
        settings.maxQueuedRequestsPerServer = config.limits.maxQueuedRequestsPerServer
        settings.maxIdleUpstreamConnectionsPerServer = config.limits.maxIdleUpstreamConnectionsPerServer
        settings.maxUpstreamConnectionsPerClient = config.limits.maxUpstreamConnectionsPerClient
        settings.requestBufferBytes = config.limits.requestBufferBytes
        settings.http2InitialWindowSize = config.http2.initialWindowSize
        settings.http2MaxHeaderListSize = config.http2.maxHeaderListSize
        settings.http2RapidResetLimit = config.http2.rapidResetLimit
        settings.tlsHandshakeTimeout = Self.milliseconds(config.timeouts.tlsHandshake)
        settings.requestHeadTimeout = Self.milliseconds(config.timeouts.requestHead)
        settings.idleKeepAliveTimeout = Self.milliseconds(config.timeouts.idleKeepalive)
        settings.upstreamConnectTimeout = Self.milliseconds(config.timeouts.upstreamConnect)
        settings.upstreamFirstByteTimeout = Self.milliseconds(config.timeouts.upstreamFirstByte)
        settings.streamIdleTimeout = Self.milliseconds(config.timeouts.sseIdle)
        settings.requestBodyTimeout = Self.milliseconds(config.timeouts.requestBody)
        settings.clientWriteStallTimeout = Self.milliseconds(config.timeouts.clientWriteStall)
        settings.gatewayFanoutTimeout = Self.milliseconds(config.timeouts.gatewayFanout)
        settings.stdioSessionIdleTimeout = Self.milliseconds(config.timeouts.stdioSessionIdle)
        settings.gatewaySessionLifetime = Self.milliseconds(config.timeouts.gatewaySession) / 1000
        settings.maxBackendResponse = config.limits.maxBackendResponse
        // Without a configured secret, one random key for the whole process: sessions then work
        // on every worker but do not survive a restart or span instances.
        settings.sessionSecrets = config.sessionSecrets.isEmpty
            ? [SecureRandom.bytes(32).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()] : config.sessionSecrets
        settings.gatewayBackendCount = gatewayBackends.count
        try access.finish(config)
        self.init(workers: config.workers, listeners: listeners,
                  routes: RouteTable(entries: routes, metadata: access.metadata, origins: OriginPolicy(origins: config.origins)),
                  serverCount: targets.count,
                  settings: settings,
                  drainTimeout: Self.milliseconds(config.timeouts.drain))
        keyRefreshers = access.refreshers
        self.tokenRefreshers = tokenRefreshers
        if targets.values.contains(where: { $0.exchange != nil }) { tokenExchanges = TokenExchangeThread() }
    }

    /// A credential's value, read now. Errors name the source, never the value.
    private static func secret(_ source: EdgeConfiguration.SecretSource, server: String, field: String) throws -> String {
        let value: String
        switch source {
        case .literal(let text):
            value = text
        case .environment(let name):
            guard let raw = getenv(name) else {
                throw PlanError(description: "server \(server): credential \(field) comes from the environment variable \(name), which is not set")
            }
            value = String(cString: raw)
        case .file(let path):
            guard let bytes = AccessPlan.readFile(path) else {
                throw PlanError(description: "server \(server): cannot read the credential file \(path) (\(field))")
            }
            var trimmed = bytes[...]
            while let last = trimmed.last, last == 0x0A || last == 0x0D { trimmed = trimmed.dropLast() }
            value = String(decoding: trimmed, as: UTF8.self)
        }
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 == 0x09 || (0x20...0x7E).contains($0) || $0 >= 0x80 }) else {
            throw PlanError(description: "server \(server): credential \(field) is empty or holds control characters (a header value cannot)")
        }
        return value
    }

    /// OpenSSL refused one of `pairs`: finds which by loading each alone and reports the
    /// error at its `certificate:` line (the chain did not load) or its `key:` line (the key
    /// did not load or belongs to another certificate). Nil when the pairs carry no location.
    private static func located(_ error: Error, pairs: [EdgeConfiguration.CertificatePair]) -> ConfigErrors? {
        for pair in pairs {
            let files = TLSCertificateFiles(certificatePath: pair.certificate, keyPath: pair.key)
            do {
                _ = try TLSServerContext(certificates: [files])
            } catch {
                let message = "\(error)"
                let certificateFailed = message.hasPrefix("cannot load certificate")
                guard let location = certificateFailed ? pair.certificateLocation : pair.keyLocation else { return nil }
                return ConfigErrors(issues: [location.issue(message)])
            }
        }
        return nil
    }

    private static func socketAddress(host: String, port: Int, what: String) throws -> SocketAddress {
        do {
            return try SocketAddress(host: host, port: UInt16(port))
        } catch {
            throw PlanError(description: "\(what): \(host) is not an IP address; host names are not resolved yet, write the IP address")
        }
    }

    private static func resolve(host: String, port: Int, what: String) throws -> SocketAddress {
        do {
            guard let first = try SocketAddress.resolve(host: host, port: UInt16(port)).first else {
                throw PlanError(description: "\(what): \(host) has no address")
            }
            return first
        } catch let error as PlanError {
            throw error
        } catch {
            throw PlanError(description: "\(what): \(error); check the URL's host, or write its IP address")
        }
    }

    private static func milliseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1000 + UInt64(max(0, attoseconds)) / 1_000_000_000_000_000
    }
}
