import COpenSSL
import CEdgeShims

/// TLS settings for upstream (backend) connections: TLS 1.2 minimum, peer certificates and
/// host names verified by default against the system CA store or a given CA file, ALPN
/// `http/1.1` offered. Immutable after init; share it among workers.
public final class TLSClientContext {
    let handle: SSLContextHandle
    /// Whether connections verify the server's certificate and host name.
    public let verifiesPeer: Bool

    /// - Parameters:
    ///   - caFile: PEM bundle of trusted CAs; nil uses the system store.
    ///   - verifyPeer: false only for tests and explicit operator opt-out.
    ///   - alpn: protocols offered, in preference order.
    ///   - certificate, key: a client certificate chain and its key, for servers that ask for
    ///     one (mutual TLS).
    public init(caFile: String? = nil, verifyPeer: Bool = true, alpn: [ALPNProtocol] = [.http11],
                certificate: String? = nil, key: String? = nil) throws {
        handle = try SSLContextHandle(method: TLS_client_method(), what: "upstream connections")
        verifiesPeer = verifyPeer
        let ctx = handle.pointer
        try handle.require(cedge_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION),
                           "cannot set the minimum TLS version to 1.2")
        _ = cedge_SSL_CTX_set_options(ctx, cedge_SSL_OP_NO_COMPRESSION() | cedge_SSL_OP_NO_RENEGOTIATION())
        _ = cedge_SSL_CTX_set_mode(ctx, cedge_SSL_MODE_ENABLE_PARTIAL_WRITE() | cedge_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER())
        _ = cedge_SSL_CTX_set_read_ahead(ctx, 1)  // one read per record, not header then body
        try handle.require(SSL_CTX_set_ciphersuites(ctx, CipherProfile.tls13),
                           "cannot set the TLS 1.3 cipher suites for upstream connections")
        if verifyPeer {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            if let caFile {
                try handle.require(SSL_CTX_load_verify_locations(ctx, caFile, nil),
                                   "cannot load CA file \(caFile)",
                                   fix: "check the path and that it holds PEM certificates")
            } else {
                try handle.require(SSL_CTX_set_default_verify_paths(ctx),
                                   "cannot load the system CA store",
                                   fix: "install ca-certificates or configure a CA file")
            }
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        if let certificate, let key {
            try handle.require(SSL_CTX_use_certificate_chain_file(ctx, certificate),
                               "cannot load the client certificate \(certificate)", fix: "check the path and that it holds a PEM chain")
            try handle.require(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM),
                               "cannot load the client key \(key)", fix: "check the path and that it holds a PEM private key")
            try handle.require(SSL_CTX_check_private_key(ctx),
                               "the client key \(key) does not belong to \(certificate)", fix: "give the key of that certificate")
        }
        let wire = ALPNProtocol.wireFormat(alpn)
        // Returns 0 on success, unlike most of OpenSSL.
        if !wire.isEmpty, SSL_CTX_set_alpn_protos(ctx, wire, UInt32(wire.count)) != 0 {
            throw TLSError.fromQueue(.configuration, "cannot set the ALPN protocols offered upstream")
        }
    }

    /// The raw context, for tests that need settings the public API refuses (old versions).
    var rawContext: OpaquePointer { handle.pointer }
}
