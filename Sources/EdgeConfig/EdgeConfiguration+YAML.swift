
extension EdgeConfiguration {
    /// The snapshot written back as YAML with every key spelled out (defaults included, paths
    /// absolute, `workers` as the resolved number). Loading this text gives an equal snapshot;
    /// `mcp-edge check` can print it to show what a file really means.
    public func yamlText() -> String {
        YAMLTextWriter.write(yamlNode())
    }

    func yamlNode() -> YAMLNode {
        var root: [(YAMLNode, YAMLNode)] = [("workers", plain("\(workers)"))]
        root.append(("listeners", list(listeners.map(Self.node(for:)))))
        if let admin {
            root.append(("admin", map([("address", plain(admin.address.description))])))
        }
        root.append(("servers", map(orderedServers.map { (quoted($0.name), Self.node(for: $0.backend)) })))
        root.append(("routes", list(routes.map(Self.node(for:)))))
        root.append(("limits", map([
            ("max_head_bytes", plain("\(limits.maxHeadBytes)")),
            ("max_header_count", plain("\(limits.maxHeaderCount)")),
            ("max_body_bytes", plain("\(limits.maxBodyBytes)")),
            ("max_concurrent_streams", plain("\(limits.maxConcurrentStreams)")),
            ("max_connections_per_worker", plain("\(limits.maxConnectionsPerWorker)")),
            ("max_pending_handshakes", plain("\(limits.maxPendingHandshakes)")),
            ("max_upstream_connections_per_server", plain("\(limits.maxUpstreamConnectionsPerServer)")),
            ("max_idle_upstream_connections_per_server", plain("\(limits.maxIdleUpstreamConnectionsPerServer)")),
            ("max_upstream_connections_per_client", plain("\(limits.maxUpstreamConnectionsPerClient)")),
            ("request_buffer_bytes", plain("\(limits.requestBufferBytes)")),
        ])))
        root.append(("timeouts", map([
            ("tls_handshake", duration(timeouts.tlsHandshake)),
            ("request_head", duration(timeouts.requestHead)),
            ("idle_keepalive", duration(timeouts.idleKeepalive)),
            ("upstream_connect", duration(timeouts.upstreamConnect)),
            ("upstream_first_byte", duration(timeouts.upstreamFirstByte)),
            ("request_body", duration(timeouts.requestBody)),
            ("client_write_stall", duration(timeouts.clientWriteStall)),
            ("sse_idle", duration(timeouts.sseIdle)),
            ("drain", duration(timeouts.drain)),
        ])))
        root.append(("http2", map([
            ("initial_window_size", plain("\(http2.initialWindowSize)")),
            ("max_header_list_size", plain("\(http2.maxHeaderListSize)")),
            ("rapid_reset_limit", plain("\(http2.rapidResetLimit)")),
        ])))
        return map(root)
    }

    private static func node(for listener: Listener) -> YAMLNode {
        var pairs: [(YAMLNode, YAMLNode)] = [("name", quoted(listener.name)), ("address", plain(listener.address.description))]
        if let tls = listener.tls {
            var tlsPairs = pair(tls.defaultCertificate)
            if !tls.extraCertificates.isEmpty {
                tlsPairs.append(("certificates", list(tls.extraCertificates.map { map(pair($0)) })))
            }
            tlsPairs.append(("alpn", list(tls.alpn.map(quoted), flow: true)))
            pairs.append(("tls", map(tlsPairs)))
        }
        return map(pairs)
    }

    private static func pair(_ pair: CertificatePair) -> [(YAMLNode, YAMLNode)] {
        [("certificate", quoted(pair.certificate)), ("key", quoted(pair.key))]
    }

    private static func node(for backend: Backend) -> YAMLNode {
        switch backend {
        case .http(let url): return map([("url", plain(url.description))])
        case .stdio(let command): return map([("command", list(command.map(quoted), flow: true))])
        }
    }

    private static func node(for route: Route) -> YAMLNode {
        switch route.target {
        case .passthrough(let server):
            return map([("path", quoted(route.path)), ("passthrough", quoted(server))])
        case .gateway(let servers):
            return map([("path", quoted(route.path)), ("servers", list(servers.map(quoted), flow: true))])
        }
    }
}

/// Free-form text is always quoted so values like `yes` or `1.0` stay text when read back.
private func quoted(_ text: String) -> YAMLNode {
    .scalar(.init(string: text, style: .doubleQuoted, mark: .generated))
}

private func plain(_ text: String) -> YAMLNode {
    YAMLNode(stringLiteral: text)
}

private func duration(_ duration: Duration) -> YAMLNode {
    plain(ValueSyntax.format(duration))
}

private func map(_ pairs: [(YAMLNode, YAMLNode)]) -> YAMLNode {
    .mapping(.init(pairs: pairs.map { (key: $0.0, value: $0.1) }, mark: .generated))
}

private func list(_ items: [YAMLNode], flow: Bool = false) -> YAMLNode {
    .sequence(.init(items: items, mark: .generated, flow: flow))
}
