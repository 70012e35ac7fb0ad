import COpenSSL

/// HKDF (RFC 5869) through OpenSSL's `EVP_KDF` "HKDF", extract then expand. For deriving
/// purpose-bound keys from a configured secret at start-up; not meant for a hot path (each call
/// creates and frees a KDF context). Safe from any thread.
public enum HKDF {
    /// `count` bytes (1 to 8160, 255 blocks) of HKDF-SHA256 output keying material.
    /// `secret` must not be empty (OpenSSL refuses an HKDF without a key); `salt` and `info`
    /// may be.
    public static func sha256(secret: [UInt8], salt: [UInt8], info: [UInt8], count: Int) -> [UInt8] {
        precondition(!secret.isEmpty, "HKDF.sha256: empty secret")
        precondition(count > 0 && count <= 255 * 32, "HKDF.sha256: output length \(count) outside 1...8160")
        guard let context = EVP_KDF_CTX_new(OpenSSLAlgorithms.hkdf) else {
            OpenSSLFailure.fatal("EVP_KDF_CTX_new(HKDF)")
        }
        defer { EVP_KDF_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: count)
        // OSSL_PARAM holds pointers: every buffer stays pinned until EVP_KDF_derive returns.
        var secret = secret, salt = salt, info = info
        let status = secret.withUnsafeMutableBytes { secret in
            salt.withUnsafeMutableBytes { salt in
                info.withUnsafeMutableBytes { info in
                    output.withUnsafeMutableBytes { output in
                        var params = [
                            OSSL_PARAM_construct_utf8_string(ParamName.pointer(ParamName.digest),
                                                             ParamName.pointer(ParamName.sha256), 0),
                            OSSL_PARAM_construct_octet_string(ParamName.pointer(ParamName.key),
                                                              secret.baseAddress, secret.count),
                            OSSL_PARAM_construct_octet_string(ParamName.pointer(ParamName.salt),
                                                              salt.baseAddress, salt.count),
                            OSSL_PARAM_construct_octet_string(ParamName.pointer(ParamName.info),
                                                              info.baseAddress, info.count),
                            OSSL_PARAM_construct_end(),
                        ]
                        return EVP_KDF_derive(context, output.baseAddress, output.count, &params)
                    }
                }
            }
        }
        OpenSSLFailure.require(status, "EVP_KDF_derive(HKDF-SHA256)")
        return output
    }
}
