extension EdgeConfiguration {
    /// HTTP/2 settings mcp-edge advertises to clients and the defences it applies.
    public struct HTTP2Settings: Sendable, Hashable {
        /// SETTINGS_INITIAL_WINDOW_SIZE and the connection window, in bytes.
        public let initialWindowSize: Int
        /// SETTINGS_MAX_HEADER_LIST_SIZE: decoded header bytes per request. Over → stream reset.
        public let maxHeaderListSize: Int
        /// Streams a client may reset per second before the connection gets GOAWAY
        /// (Rapid Reset, CVE-2023-44487).
        public let rapidResetLimit: Int

        public init(initialWindowSize: Int = 1_048_576,
                    maxHeaderListSize: Int = 65_536,
                    rapidResetLimit: Int = 200) {
            self.initialWindowSize = initialWindowSize
            self.maxHeaderListSize = maxHeaderListSize
            self.rapidResetLimit = rapidResetLimit
        }
    }
}
