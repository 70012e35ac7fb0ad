import COpenSSL

/// The algorithm objects mcp-edge uses, fetched from OpenSSL's default provider once per
/// process (OpenSSL 3 fetches on every call when given `EVP_sha256()` and friends) and never
/// freed. Lazily created on first use, thread safe.
enum OpenSSLAlgorithms {
    static let sha256: OpaquePointer = fetched(EVP_MD_fetch(nil, "SHA256", nil), "SHA256")
    static let aes256GCM: OpaquePointer = fetched(EVP_CIPHER_fetch(nil, "AES-256-GCM", nil), "AES-256-GCM")
    static let hmac: OpaquePointer = fetched(EVP_MAC_fetch(nil, "HMAC", nil), "HMAC")
    static let hkdf: OpaquePointer = fetched(EVP_KDF_fetch(nil, "HKDF", nil), "HKDF")

    /// A missing algorithm means a broken OpenSSL installation (or a provider configuration
    /// that removed the default provider): nothing mcp-edge seals could be opened again.
    private static func fetched(_ pointer: OpaquePointer?, _ name: String) -> OpaquePointer {
        guard let pointer else { OpenSSLFailure.fatal("cannot fetch \(name) from OpenSSL's default provider") }
        return pointer
    }
}

/// Internal failures of OpenSSL calls that cannot fail on valid arguments (out of memory, a
/// broken installation). They are not caused by input, so they stop the process with
/// OpenSSL's own message rather than hand back a value nobody can check.
enum OpenSSLFailure {
    static func fatal(_ what: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        fatalError("EdgeCrypto: \(what): \(messages.joined(separator: "; "))", file: file, line: line)
    }

    /// Checks the `1 on success` convention of the EVP functions.
    @inline(__always)
    static func require(_ result: Int32, _ what: @autoclosure () -> String,
                        file: StaticString = #fileID, line: UInt = #line) {
        if result != 1 { fatal(what(), file: file, line: line) }
    }
}

/// NUL-terminated C strings in static storage, for `OSSL_PARAM` names and values, which keep
/// the pointer until the call that reads the parameters returns.
enum ParamName {
    static let key: StaticString = "key"
    static let salt: StaticString = "salt"
    static let info: StaticString = "info"
    static let digest: StaticString = "digest"
    static let sha256: StaticString = "SHA256"
    static let rsaModulus: StaticString = "n"
    static let rsaExponent: StaticString = "e"
    static let group: StaticString = "group"
    static let publicKey: StaticString = "pub"

    /// The static string as the `char *` OpenSSL's parameter constructors take (never written).
    static func pointer(_ string: StaticString) -> UnsafeMutablePointer<CChar> {
        UnsafeMutableRawPointer(mutating: string.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
