import COpenSSL
import CEdgeShims

/// Owns one `SSL_CTX` and frees it in `deinit`. Connections created from it take their own
/// OpenSSL reference, so the C object outlives this handle while they run.
final class SSLContextHandle {
    let pointer: OpaquePointer

    init(method: OpaquePointer?, what: String) throws {
        ERR_clear_error()
        guard let pointer = SSL_CTX_new(method) else {
            throw TLSError.fromQueue(.configuration, "cannot create the TLS context for \(what)",
                                     fix: "OpenSSL is out of memory or misconfigured (check OPENSSL_CONF)")
        }
        self.pointer = pointer
        // Never prompt on the terminal for a key pass phrase: encrypted keys fail to load instead.
        SSL_CTX_set_default_passwd_cb(pointer) { _, _, _, _ in 0 }
    }

    deinit { SSL_CTX_free(pointer) }

    /// Runs an OpenSSL setter that returns 1 on success; otherwise throws a configuration error.
    func require(_ result: Int32, _ what: @autoclosure () -> String, fix: @autoclosure () -> String? = nil) throws {
        if result != 1 { throw TLSError.fromQueue(.configuration, what(), fix: fix()) }
    }
}
