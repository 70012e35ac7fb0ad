#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The top of the schema: workers, listeners, admin, servers, routes.
extension ConfigDecoder {
    static let rootKeys = ["workers", "listeners", "admin", "servers", "routes", "limits", "timeouts", "http2",
                           "session_secret", "previous_session_secrets", "auth", "rules", "origins", "rate_limits"]
    static let maximumWorkers = 256

    func decodeRoot(_ node: YAMLNode?) -> EdgeConfiguration? {
        guard let node, !node.isNull else {
            issues.add("the file is empty; a configuration needs at least listeners, servers and routes (see docs/configuration.md)",
                       at: nil, .root)
            return nil
        }
        guard let root = mapping(node, .root, allowed: Self.rootKeys) else { return nil }

        let workers = root["workers"].flatMap { decodeWorkers($0, .root.key("workers")) } ?? Self.cpuCount()
        let listeners = required(root, "listeners", example: "[{address: 127.0.0.1:8443}]")
            .map { decodeListeners($0, .root.key("listeners")) } ?? []
        let admin = root["admin"].flatMap { decodeAdmin($0, .root.key("admin")) }
        let servers = required(root, "servers", example: "{demo: {url: http://127.0.0.1:9000/mcp}}")
            .map { decodeServers($0, .root.key("servers")) } ?? ServerTable()
        let routes = required(root, "routes", example: "[{path: /mcp, passthrough: demo}]")
            .map { decodeRoutes($0, .root.key("routes"), servers: servers) } ?? []
        let limits = root["limits"].flatMap { decodeLimits($0, .root.key("limits")) } ?? EdgeConfiguration.Limits()
        let timeouts = root["timeouts"].flatMap { decodeTimeouts($0, .root.key("timeouts")) } ?? EdgeConfiguration.Timeouts()
        let sessionSecrets = decodeSessionSecrets(root)
        let http2 = root["http2"].flatMap { decodeHTTP2($0, .root.key("http2")) } ?? EdgeConfiguration.HTTP2Settings()
        let auth = root["auth"].flatMap { decodeAuth($0, .root.key("auth")) }
        let rules = root["rules"].map { decodeRules($0, .root.key("rules")) } ?? []
        let origins = root["origins"].flatMap { decodeOrigins($0, .root.key("origins")) }
        let rateLimits = root["rate_limits"].flatMap { decodeRateLimits($0, .root.key("rate_limits")) }
        checkRulesFitRoutes(topLevel: rules, rulesNode: root["rules"], routes: routes)

        if let admin, let clash = listeners.first(where: { $0.value.address == admin.value.address }) {
            issues.add("admin address \(admin.value.address) is already used by listener \"\(clash.value.name)\"; give the admin endpoint its own port",
                       at: admin.mark, .root.key("admin").key("address"))
        }
        guard issues.issues.isEmpty else { return nil }
        return EdgeConfiguration(workers: workers, listeners: listeners.map(\.value), admin: admin?.value,
                                 servers: servers.servers, routes: routes,
                                 limits: limits, timeouts: timeouts, http2: http2, sessionSecrets: sessionSecrets,
                                 auth: auth, rules: rules, origins: origins, rateLimits: rateLimits)
    }

    /// The number of online CPU cores (what `workers: auto` means), capped at the maximum.
    static func cpuCount() -> Int {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return Swift.min(Swift.max(Int(online), 1), maximumWorkers)
    }

    func decodeWorkers(_ node: YAMLNode, _ path: KeyPath) -> Int? {
        if case .scalar(let scalar) = node, scalar.string.lowercased() == "auto" { return Self.cpuCount() }
        guard let text = string(node, path, example: "auto") else { return nil }
        guard let count = ValueSyntax.integer(text), (1...Self.maximumWorkers).contains(count) else {
            issues.add("must be auto (one worker per CPU core) or a number from 1 to \(Self.maximumWorkers); got \(text)",
                       at: node.mark, path)
            return nil
        }
        return count
    }

    // MARK: Listeners and admin

    func decodeListeners(_ node: YAMLNode, _ path: KeyPath) -> [(value: EdgeConfiguration.Listener, mark: YAMLMark?)] {
        guard let items = sequence(node, path, example: "[{name: public, address: 127.0.0.1:8443}]") else { return [] }
        if items.isEmpty {
            issues.add("needs at least one listener, e.g. - address: 127.0.0.1:8080", at: node.mark, path)
        }
        var listeners: [(value: EdgeConfiguration.Listener, mark: YAMLMark?)] = []
        for (position, item) in items.enumerated() {
            let itemPath = path.index(position)
            guard let reader = mapping(item, itemPath, allowed: ["name", "address", "tls"]) else { continue }
            let address = required(reader, "address", example: "127.0.0.1:8443")
                .flatMap { listenAddress($0, itemPath.key("address")) }
            let name = reader["name"].flatMap { string($0, itemPath.key("name"), example: "public") }
            let tls = reader["tls"].flatMap { decodeTLS($0, itemPath.key("tls")) }
            if reader.has("tls") && tls == nil { continue }
            guard let address else { continue }
            let listener = EdgeConfiguration.Listener(name: name ?? address.description, address: address, tls: tls)
            if let other = listeners.firstIndex(where: { $0.value.name == listener.name }) {
                issues.add("listener name \"\(listener.name)\" is already used by listeners[\(other)]; names must be unique",
                           at: reader["name"]?.mark ?? item.mark, itemPath.key("name"))
            }
            if let other = listeners.firstIndex(where: { $0.value.address == address }) {
                issues.add("address \(address) is already used by listeners[\(other)]; each listener needs its own address",
                           at: reader["address"]?.mark, itemPath.key("address"))
            }
            listeners.append((listener, reader["address"]?.mark))
        }
        return listeners
    }

    func listenAddress(_ node: YAMLNode, _ path: KeyPath) -> ListenAddress? {
        guard let text = string(node, path, example: "127.0.0.1:8443") else { return nil }
        switch ListenAddress.parse(text) {
        case .success(let address): return address
        case .failure(let error):
            issues.add(error.message, at: node.mark, path)
            return nil
        }
    }

    func decodeTLS(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.TLSSettings? {
        guard let reader = mapping(node, path, allowed: ["certificate", "key", "certificates", "alpn", "client_ca",
                                                         "client_certificates"]) else { return nil }
        let primary = certificatePair(reader, path)
        var extras: [EdgeConfiguration.CertificatePair] = []
        var extrasValid = true
        if let list = reader["certificates"],
           let items = sequence(list, path.key("certificates"), example: "[{certificate: other.pem, key: other-key.pem}]") {
            for (position, item) in items.enumerated() {
                let itemPath = path.key("certificates").index(position)
                guard let pair = mapping(item, itemPath, allowed: ["certificate", "key"]).flatMap({ certificatePair($0, itemPath) }) else {
                    extrasValid = false
                    continue
                }
                extras.append(pair)
            }
        }
        var alpn = EdgeConfiguration.TLSSettings.supportedALPN
        if let node = reader["alpn"] {
            guard let protocols = decodeALPN(node, path.key("alpn")) else { return nil }
            alpn = protocols
        }
        let clientCA = reader["client_ca"].flatMap { readableFile($0, path.key("client_ca"), what: "client CA") }
        var required = false
        if let node = reader["client_certificates"], let text = string(node, path.key("client_certificates"), example: "optional") {
            switch text {
            case "optional": required = false
            case "required": required = true
            default:
                issues.add("must be optional (ask, verify when given) or required (refuse clients without one); got \(text)",
                           at: node.mark, path.key("client_certificates"))
            }
            if reader["client_ca"] == nil {
                issues.add("needs client_ca: the CAs that sign client certificates", at: node.mark, path.key("client_certificates"))
            }
        }
        guard let primary, extrasValid else { return nil }
        return EdgeConfiguration.TLSSettings(defaultCertificate: primary, extraCertificates: extras, alpn: alpn,
                                             clientCA: clientCA, requireClientCertificate: required)
    }

    private func certificatePair(_ reader: MappingReader, _ path: KeyPath) -> EdgeConfiguration.CertificatePair? {
        let certificateNode = required(reader, "certificate", example: "cert.pem")
        let certificate = certificateNode.flatMap { readableFile($0, path.key("certificate"), what: "certificate") }
        let keyNode = required(reader, "key", example: "key.pem")
        let key = keyNode.flatMap { readableFile($0, path.key("key"), what: "private key") }
        guard let certificate, let key, let certificateNode, let keyNode else { return nil }
        return EdgeConfiguration.CertificatePair(certificate: certificate, key: key,
                                                 certificateLocation: location(certificateNode, path.key("certificate")),
                                                 keyLocation: location(keyNode, path.key("key")))
    }

    private func decodeALPN(_ node: YAMLNode, _ path: KeyPath) -> [String]? {
        let supported = EdgeConfiguration.TLSSettings.supportedALPN
        guard let protocols = stringList(node, path, example: "[h2, http/1.1]") else { return nil }
        if protocols.isEmpty {
            issues.add("needs at least one protocol; remove the key to offer h2 and http/1.1", at: node.mark, path)
            return nil
        }
        for (position, name) in protocols.enumerated() where !supported.contains(name) {
            issues.add("unsupported ALPN protocol \"\(name)\"; supported: \(supported.joined(separator: ", "))",
                       at: node.sequenceItems[position].mark, path.index(position))
            return nil
        }
        if Set(protocols).count != protocols.count {
            issues.add("lists a protocol twice", at: node.mark, path)
            return nil
        }
        return protocols
    }

    func decodeAdmin(_ node: YAMLNode, _ path: KeyPath) -> (value: EdgeConfiguration.Admin, mark: YAMLMark?)? {
        guard let reader = mapping(node, path, allowed: ["address"]),
              let addressNode = required(reader, "address", example: "127.0.0.1:9901"),
              let address = listenAddress(addressNode, path.key("address")) else { return nil }
        return (EdgeConfiguration.Admin(address: address), addressNode.mark)
    }
}
