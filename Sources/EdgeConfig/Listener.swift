extension EdgeConfiguration {
    /// A socket mcp-edge accepts client connections on (one `SO_REUSEPORT` socket per worker).
    public struct Listener: Sendable, Hashable {
        /// Used in logs and metrics; defaults to the address text.
        public let name: String
        public let address: ListenAddress
        /// Nil for plaintext (HTTP/1.1 and h2c with prior knowledge).
        public let tls: TLSSettings?

        public init(name: String, address: ListenAddress, tls: TLSSettings?) {
            self.name = name
            self.address = address
            self.tls = tls
        }
    }

    /// Server-side TLS for one listener.
    public struct TLSSettings: Sendable, Hashable {
        /// ALPN protocols a listener may offer, in the order they are preferred by default.
        public static let supportedALPN = ["h2", "http/1.1"]

        /// Served when the client sends no SNI or no other certificate matches.
        public let defaultCertificate: CertificatePair
        /// Further certificates, chosen by SNI against their subject names.
        public let extraCertificates: [CertificatePair]
        /// ALPN protocols in server preference order.
        public let alpn: [String]
        /// Mutual TLS: the CAs that sign client certificates (nil: none asked for).
        public let clientCA: String?
        /// Whether a client without a certificate is refused at the handshake.
        public let requireClientCertificate: Bool

        public init(defaultCertificate: CertificatePair, extraCertificates: [CertificatePair] = [],
                    alpn: [String] = TLSSettings.supportedALPN, clientCA: String? = nil,
                    requireClientCertificate: Bool = false) {
            self.clientCA = clientCA
            self.requireClientCertificate = requireClientCertificate
            self.defaultCertificate = defaultCertificate
            self.extraCertificates = extraCertificates
            self.alpn = alpn
        }

        /// The default certificate first, then the extras.
        public var allCertificates: [CertificatePair] {
            [defaultCertificate] + extraCertificates
        }
    }

    /// A PEM certificate chain and its private key, as absolute (or config-relative-resolved)
    /// paths. The files existed and were readable when the configuration was checked.
    /// Equal pairs name the same files; where they were written does not count.
    public struct CertificatePair: Sendable, Hashable {
        public let certificate: String
        public let key: String
        /// Where `certificate:` and `key:` were written (nil for pairs built in code), so that
        /// a certificate OpenSSL refuses, or a key that does not match it, is reported there.
        public let certificateLocation: ConfigLocation?
        public let keyLocation: ConfigLocation?

        public init(certificate: String, key: String,
                    certificateLocation: ConfigLocation? = nil, keyLocation: ConfigLocation? = nil) {
            self.certificate = certificate
            self.key = key
            self.certificateLocation = certificateLocation
            self.keyLocation = keyLocation
        }

        public static func == (left: CertificatePair, right: CertificatePair) -> Bool {
            left.certificate == right.certificate && left.key == right.key
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(certificate)
            hasher.combine(key)
        }
    }
}
