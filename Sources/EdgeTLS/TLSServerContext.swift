import COpenSSL
import CEdgeShims
import Glibc

/// A certificate chain and its private key, both PEM files.
public struct TLSCertificateFiles: Equatable, Sendable {
    /// Leaf certificate first, then intermediates.
    public var certificatePath: String
    /// Unencrypted PEM private key (RSA or EC).
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// The TLS settings of one listener: its certificates (chosen by SNI), ALPN preference and
/// session resumption. Immutable once built; a reload builds a new one. Build one per listener
/// and share it among all workers: `SSL_CTX` is thread-safe and this object is read-only after
/// init, and sharing it means one session cache and one set of ticket keys for all workers.
///
/// Settings: TLS 1.2 and 1.3 only; the "intermediate" suites (1.2: ECDHE + AES-GCM/ChaCha20;
/// 1.3: AES-128-GCM, AES-256-GCM, ChaCha20), AES-128 first; server cipher preference, except
/// that a client listing ChaCha20 first gets it; groups X25519, P-256, P-384;
/// no compression, no renegotiation; partial writes and moving write buffers allowed.
///
/// Resumption: a server-side session cache (TLS 1.2 session ids) and session tickets. There is
/// one `SSL_CTX` per certificate; SNI switches a connection to the matching one with
/// `SSL_set_SSL_CTX`, but OpenSSL keeps using the connection's *first* context (the default
/// certificate's) for the session cache and ticket keys, so resumption works across
/// certificates with one set of ticket keys (covered by a test). Ticket keys are OpenSSL's
/// random keys of that context: they change on restart and on reload, and differ between
/// instances behind a load balancer; shared rotating keys are future work.
public final class TLSServerContext {
    /// One context per certificate; index 0 is the default (no SNI, or no name matched).
    let contexts: [SSLContextHandle]
    /// What the C callbacks read; retained here, passed to OpenSSL unretained.
    private let callbackState: ServerCallbackState

    /// The ALPN protocols offered, in server preference order.
    public let alpn: [ALPNProtocol]
    /// The DNS names (SAN and CN) of each certificate, in the order given.
    public let certificateNames: [[String]]

    /// The context new connections start from.
    var defaultContext: OpaquePointer { contexts[0].pointer }

    /// - Parameters:
    ///   - certificates: the first is the default; the others are chosen by SNI.
    ///   - alpn: server preference; with no overlap the handshake proceeds without ALPN
    ///     (the connection then speaks HTTP/1.1).
    ///   - sessionCacheSize: TLS 1.2 session-id cache entries.
    ///   - ticketsPerHandshake: TLS 1.3 tickets sent after each full handshake. One, not
    ///     OpenSSL's two: HTTP/2 and MCP clients keep one connection, and each ticket costs an
    ///     encryption and a record.
    ///   - releaseBuffers: `SSL_MODE_RELEASE_BUFFERS`: record buffers freed after every read
    ///     and write that empties them. Right for handshakes and idle connections; a busy
    ///     connection can turn it off for itself (`TLSConnection.setReleasesBuffersWhenEmpty`).
    ///   - clientCA: PEM bundle of the CAs that sign client certificates (mutual TLS): clients
    ///     are asked for one, and one that does not verify fails the handshake.
    ///   - requireClientCertificate: a client without a certificate fails the handshake too.
    public init(certificates: [TLSCertificateFiles],
                alpn: [ALPNProtocol] = [.h2, .http11],
                sessionCacheSize: Int = 20480,
                ticketsPerHandshake: Int = 1,
                releaseBuffers: Bool = false,
                clientCA: String? = nil,
                requireClientCertificate: Bool = false) throws {
        guard !certificates.isEmpty else {
            throw TLSError(kind: .configuration,
                           message: "no TLS certificate configured (give at least one certificate and key)")
        }
        self.alpn = alpn.filter { $0 != .none }
        var contexts: [SSLContextHandle] = []
        var names: [[String]] = []
        for files in certificates {
            let handle = try SSLContextHandle(method: TLS_server_method(), what: files.certificatePath)
            try Self.applySettings(handle, sessionCacheSize: sessionCacheSize,
                                   ticketsPerHandshake: ticketsPerHandshake, releaseBuffers: releaseBuffers)
            names.append(try Self.loadCertificate(files, into: handle))
            if let clientCA { try Self.askForClientCertificates(handle, caFile: clientCA, required: requireClientCertificate) }
            contexts.append(handle)
        }
        self.contexts = contexts
        self.certificateNames = names
        self.callbackState = ServerCallbackState(
            alpn: self.alpn.compactMap { $0.wireName.map { Array($0.utf8) } },
            names: ServerNameTable(names: names),
            contexts: contexts.map(\.pointer))

        let state = Unmanaged.passUnretained(callbackState).toOpaque()
        for handle in contexts {
            if !self.alpn.isEmpty {
                SSL_CTX_set_alpn_select_cb(handle.pointer, selectALPN, state)
            }
        }
        if contexts.count > 1 {
            // Only the context a connection starts with runs the server-name callback.
            _ = cedge_SSL_CTX_set_tlsext_servername_callback(defaultContext, selectCertificate)
            _ = cedge_SSL_CTX_set_tlsext_servername_arg(defaultContext, state)
        }
    }

    /// Must stay equal across contexts: SSL_set_SSL_CTX keeps a session valid only when the
    /// id contexts match.
    private static let sessionIDContext: [UInt8] = Array("mcp-edge".utf8)

    private static func applySettings(_ handle: SSLContextHandle, sessionCacheSize: Int,
                                      ticketsPerHandshake: Int, releaseBuffers: Bool) throws {
        let ctx = handle.pointer
        try handle.require(cedge_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION),
                           "cannot set the minimum TLS version to 1.2")
        // EOF without close_notify reads as a clean close: clients drop connections all the time,
        // HTTP frames its own messages (no truncation to detect), and OpenSSL would otherwise
        // answer the closed socket with an alert and drop the session from the cache.
        _ = cedge_SSL_CTX_set_options(ctx, cedge_SSL_OP_NO_COMPRESSION()
                                      | cedge_SSL_OP_CIPHER_SERVER_PREFERENCE()
                                      | cedge_SSL_OP_PRIORITIZE_CHACHA()
                                      | cedge_SSL_OP_NO_RENEGOTIATION()
                                      | cedge_SSL_OP_IGNORE_UNEXPECTED_EOF())
        try handle.require(SSL_CTX_set_cipher_list(ctx, CipherProfile.tls12),
                           "cannot set the TLS 1.2 cipher list")
        try handle.require(SSL_CTX_set_ciphersuites(ctx, CipherProfile.tls13),
                           "cannot set the TLS 1.3 cipher suites")
        try handle.require(cedge_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384"),
                           "cannot set the key exchange groups X25519:P-256:P-384")
        var mode = cedge_SSL_MODE_ENABLE_PARTIAL_WRITE() | cedge_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER()
        if releaseBuffers { mode |= cedge_SSL_MODE_RELEASE_BUFFERS() }
        _ = cedge_SSL_CTX_set_mode(ctx, mode)
        // Read as much as the record buffer holds: without it OpenSSL reads each record's
        // 5-byte header and then its body, two syscalls per request.
        _ = cedge_SSL_CTX_set_read_ahead(ctx, 1)
        _ = cedge_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_SERVER))
        _ = cedge_SSL_CTX_sess_set_cache_size(ctx, sessionCacheSize)
        try handle.require(SSL_CTX_set_session_id_context(ctx, sessionIDContext, UInt32(sessionIDContext.count)),
                           "cannot set the TLS session id context")
        try handle.require(Int32(cedge_SSL_CTX_set_num_tickets(ctx, max(0, ticketsPerHandshake))),
                           "cannot set the number of TLS 1.3 session tickets")
    }

    /// Mutual TLS: the CAs trusted for client certificates, named to clients in the request.
    private static func askForClientCertificates(_ handle: SSLContextHandle, caFile: String, required: Bool) throws {
        let ctx = handle.pointer
        try handle.require(SSL_CTX_load_verify_locations(ctx, caFile, nil),
                           "cannot load the client CA file \(caFile)", fix: "check the path and that it holds PEM certificates")
        guard let names = SSL_load_client_CA_file(caFile) else {
            throw TLSError.fromQueue(.configuration, "no CA certificate in \(caFile)")
        }
        SSL_CTX_set_client_CA_list(ctx, names)  // takes ownership
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nil)
    }

    /// Loads the chain and key, checks they match, and returns the certificate's DNS names.
    private static func loadCertificate(_ files: TLSCertificateFiles, into handle: SSLContextHandle) throws -> [String] {
        let ctx = handle.pointer
        try handle.require(SSL_CTX_use_certificate_chain_file(ctx, files.certificatePath),
                           "cannot load certificate \(files.certificatePath)",
                           fix: "check the path, that the file is readable, and that it is PEM with the leaf certificate first")
        let mismatch = "private key \(files.keyPath) does not match certificate \(files.certificatePath)"
        let mismatchFix = "configure the key that was used to create this certificate"
        ERR_clear_error()
        if SSL_CTX_use_PrivateKey_file(ctx, files.keyPath, SSL_FILETYPE_PEM) != 1 {
            // OpenSSL already compares the key with the certificate while loading it.
            let first = ERR_peek_error()
            if cedge_ERR_GET_LIB(first) == ERR_LIB_X509 && cedge_ERR_GET_REASON(first) == X509_R_KEY_VALUES_MISMATCH {
                throw TLSError.fromQueue(.configuration, mismatch, fix: mismatchFix)
            }
            throw TLSError.fromQueue(.configuration, "cannot load private key \(files.keyPath)",
                                     fix: "check the path, that the file is readable, and that it is an unencrypted PEM private key")
        }
        try handle.require(SSL_CTX_check_private_key(ctx), mismatch, fix: mismatchFix)
        guard let leaf = SSL_CTX_get0_certificate(ctx) else { return [] }
        return CertificateNames.dnsNames(of: leaf)
    }
}

/// The read-only state the OpenSSL callbacks reach through their `arg` pointer. The contexts
/// are borrowed from `TLSServerContext`, which every connection keeps alive.
private final class ServerCallbackState {
    let alpn: [[UInt8]]
    let names: ServerNameTable
    let contexts: [OpaquePointer]

    init(alpn: [[UInt8]], names: ServerNameTable, contexts: [OpaquePointer]) {
        self.alpn = alpn
        self.names = names
        self.contexts = contexts
    }
}

/// ALPN: the first server preference the client offered; no overlap → no ALPN (HTTP/1.1).
/// `out` points into the client's list, which OpenSSL keeps alive for the handshake.
private func selectALPN(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                        _ outLength: UnsafeMutablePointer<UInt8>?, _ offered: UnsafePointer<UInt8>?,
                        _ offeredLength: UInt32, _ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let out, let outLength, let offered, let arg else { return SSL_TLSEXT_ERR_NOACK }
    let state = Unmanaged<ServerCallbackState>.fromOpaque(arg).takeUnretainedValue()
    let list = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
    for preferred in state.alpn {
        var index = 0
        while index < list.count {
            let length = Int(list[index])
            let start = index + 1
            guard start + length <= list.count else { return SSL_TLSEXT_ERR_NOACK }  // malformed
            if length == preferred.count && list[start..<(start + length)].elementsEqual(preferred) {
                out.pointee = offered + start
                outLength.pointee = UInt8(length)
                return SSL_TLSEXT_ERR_OK
            }
            index = start + length
        }
    }
    return SSL_TLSEXT_ERR_NOACK
}

/// SNI: switch to the certificate whose names match; otherwise keep the default.
private func selectCertificate(_ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?,
                               _ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let ssl, let arg,
          let name = SSL_get_servername(ssl, Int32(TLSEXT_NAMETYPE_host_name)) else { return SSL_TLSEXT_ERR_OK }
    let state = Unmanaged<ServerCallbackState>.fromOpaque(arg).takeUnretainedValue()
    let length = strlen(name)
    let match = name.withMemoryRebound(to: UInt8.self, capacity: length) {
        state.names.certificate(for: UnsafeBufferPointer(start: $0, count: length))
    }
    if let match, match != 0 {
        _ = SSL_set_SSL_CTX(ssl, state.contexts[match])
    }
    return SSL_TLSEXT_ERR_OK
}
