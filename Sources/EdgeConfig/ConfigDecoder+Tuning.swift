
/// The `limits`, `timeouts` and `http2` sections: flat mappings of numbers with a default and an
/// allowed range each. The tables below are the one place those ranges are written down.
extension ConfigDecoder {
    /// A numeric key: its name, the allowed range, and whether byte units (KiB, MiB) are accepted.
    struct NumberKey {
        let name: String
        let range: ClosedRange<Int>
        let isByteSize: Bool
    }

    static let limitKeys = [
        NumberKey(name: "max_head_bytes", range: 1024...(1 << 20), isByteSize: true),
        NumberKey(name: "max_header_count", range: 1...10_000, isByteSize: false),
        NumberKey(name: "max_body_bytes", range: 1024...(1 << 30), isByteSize: true),
        NumberKey(name: "max_concurrent_streams", range: 1...10_000, isByteSize: false),
        NumberKey(name: "max_connections_per_worker", range: 1...1_000_000, isByteSize: false),
        NumberKey(name: "max_pending_handshakes", range: 1...100_000, isByteSize: false),
        NumberKey(name: "max_upstream_connections_per_server", range: 1...100_000, isByteSize: false),
        NumberKey(name: "max_idle_upstream_connections_per_server", range: 0...100_000, isByteSize: false),
        NumberKey(name: "max_upstream_connections_per_client", range: 1...100_000, isByteSize: false),
        NumberKey(name: "request_buffer_bytes", range: 0...(1 << 20), isByteSize: true),
        NumberKey(name: "max_backend_response", range: 1024...(1 << 30), isByteSize: true),
        NumberKey(name: "max_queued_requests_per_server", range: 0...1_000_000, isByteSize: false),
    ]

    static let http2Keys = [
        NumberKey(name: "initial_window_size", range: 65_535...2_147_483_647, isByteSize: true),
        NumberKey(name: "max_header_list_size", range: 1024...(1 << 20), isByteSize: true),
        NumberKey(name: "rapid_reset_limit", range: 1...100_000, isByteSize: false),
    ]

    static let timeoutKeys = ["tls_handshake", "request_head", "idle_keepalive", "upstream_connect",
                              "upstream_first_byte", "request_body", "client_write_stall", "sse_idle", "drain",
                              "gateway_fanout", "gateway_session", "stdio_session_idle"]

    /// Timeouts must be positive (drain may be 0: stop at once) and at most a day, which catches
    /// milliseconds written as seconds.
    static func timeoutRange(_ name: String) -> ClosedRange<Duration> {
        (name == "drain" ? Duration.zero : .milliseconds(1)) ... .seconds(86_400)
    }

    func decodeLimits(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.Limits? {
        guard let reader = mapping(node, path, allowed: Self.limitKeys.map(\.name)) else { return nil }
        let values = numbers(reader, Self.limitKeys)
        let defaults = EdgeConfiguration.Limits()
        let maxUpstream = values["max_upstream_connections_per_server"] ?? defaults.maxUpstreamConnectionsPerServer
        let limits = EdgeConfiguration.Limits(
            maxHeadBytes: values["max_head_bytes"] ?? defaults.maxHeadBytes,
            maxHeaderCount: values["max_header_count"] ?? defaults.maxHeaderCount,
            maxBodyBytes: values["max_body_bytes"] ?? defaults.maxBodyBytes,
            maxConcurrentStreams: values["max_concurrent_streams"] ?? defaults.maxConcurrentStreams,
            maxConnectionsPerWorker: values["max_connections_per_worker"] ?? defaults.maxConnectionsPerWorker,
            maxPendingHandshakes: values["max_pending_handshakes"] ?? defaults.maxPendingHandshakes,
            maxUpstreamConnectionsPerServer: maxUpstream,
            // Unset, the idle cap follows a lowered connection cap instead of contradicting it.
            maxIdleUpstreamConnectionsPerServer: values["max_idle_upstream_connections_per_server"]
                ?? Swift.min(defaults.maxIdleUpstreamConnectionsPerServer, maxUpstream),
            maxUpstreamConnectionsPerClient: values["max_upstream_connections_per_client"]
                ?? defaults.maxUpstreamConnectionsPerClient,
            requestBufferBytes: values["request_buffer_bytes"] ?? defaults.requestBufferBytes,
            maxBackendResponse: values["max_backend_response"] ?? defaults.maxBackendResponse,
            maxQueuedRequestsPerServer: values["max_queued_requests_per_server"] ?? defaults.maxQueuedRequestsPerServer)
        if limits.maxIdleUpstreamConnectionsPerServer > limits.maxUpstreamConnectionsPerServer {
            let key = "max_idle_upstream_connections_per_server"
            issues.add("must not exceed max_upstream_connections_per_server (\(limits.maxUpstreamConnectionsPerServer)); got \(limits.maxIdleUpstreamConnectionsPerServer)",
                       at: reader[key]?.mark ?? node.mark, path.key(key))
        }
        return limits
    }

    func decodeHTTP2(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.HTTP2Settings? {
        guard let reader = mapping(node, path, allowed: Self.http2Keys.map(\.name)) else { return nil }
        let values = numbers(reader, Self.http2Keys)
        let defaults = EdgeConfiguration.HTTP2Settings()
        return EdgeConfiguration.HTTP2Settings(
            initialWindowSize: values["initial_window_size"] ?? defaults.initialWindowSize,
            maxHeaderListSize: values["max_header_list_size"] ?? defaults.maxHeaderListSize,
            rapidResetLimit: values["rapid_reset_limit"] ?? defaults.rapidResetLimit)
    }

    func decodeTimeouts(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.Timeouts? {
        guard let reader = mapping(node, path, allowed: Self.timeoutKeys) else { return nil }
        var values: [String: Duration] = [:]
        for (name, _, value) in reader.entries {
            values[name] = duration(value, path.key(name), range: Self.timeoutRange(name))
        }
        let defaults = EdgeConfiguration.Timeouts()
        return EdgeConfiguration.Timeouts(
            tlsHandshake: values["tls_handshake"] ?? defaults.tlsHandshake,
            requestHead: values["request_head"] ?? defaults.requestHead,
            idleKeepalive: values["idle_keepalive"] ?? defaults.idleKeepalive,
            upstreamConnect: values["upstream_connect"] ?? defaults.upstreamConnect,
            upstreamFirstByte: values["upstream_first_byte"] ?? defaults.upstreamFirstByte,
            requestBody: values["request_body"] ?? defaults.requestBody,
            clientWriteStall: values["client_write_stall"] ?? defaults.clientWriteStall,
            sseIdle: values["sse_idle"] ?? defaults.sseIdle,
            drain: values["drain"] ?? defaults.drain,
            gatewayFanout: values["gateway_fanout"] ?? defaults.gatewayFanout,
            gatewaySession: values["gateway_session"] ?? defaults.gatewaySession,
            stdioSessionIdle: values["stdio_session_idle"] ?? defaults.stdioSessionIdle)
    }

    /// The keys present in `reader`, converted and range-checked; bad ones are reported and left out.
    private func numbers(_ reader: MappingReader, _ keys: [NumberKey]) -> [String: Int] {
        var values: [String: Int] = [:]
        for key in keys {
            guard let node = reader[key.name] else { continue }
            let path = reader.path.key(key.name)
            values[key.name] = key.isByteSize ? byteSize(node, path, range: key.range) : integer(node, path, range: key.range)
        }
        return values
    }
}
