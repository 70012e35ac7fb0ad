import COpenSSL

/// The JWS signature algorithms mcp-edge accepts (RFC 7518 §3, RFC 8037). Symmetric ones
/// (HS256…) are absent on purpose: a resource server holds only public keys.
public enum SignatureAlgorithm: String, CaseIterable, Sendable {
    case rs256 = "RS256"
    case ps256 = "PS256"
    case es256 = "ES256"
    case es384 = "ES384"
    case edDSA = "EdDSA"
}

/// A public key that checks signatures, built from a JWK's parameters through OpenSSL 3's
/// `EVP_PKEY_fromdata` and checked with `EVP_DigestVerify`. Immutable once made, so one key may
/// verify on every worker thread at once (each call has its own `EVP_MD_CTX`).
public final class VerifyingKey: @unchecked Sendable {
    /// The kind of key, which decides the algorithms it may verify.
    public enum Kind: Equatable, Sendable {
        case rsa(bits: Int)
        case ecP256
        case ecP384
        case ed25519
    }

    public let kind: Kind
    private let key: OpaquePointer

    private init(_ key: OpaquePointer, kind: Kind) {
        self.key = key
        self.kind = kind
    }

    deinit { EVP_PKEY_free(key) }

    /// An RSA public key from its modulus and exponent (big-endian bytes, as in a JWK's `n`
    /// and `e`), or nil when OpenSSL refuses them.
    public static func rsa(modulus: [UInt8], exponent: [UInt8]) -> VerifyingKey? {
        guard !modulus.isEmpty, !exponent.isEmpty, modulus.count <= 2048 else { return nil }
        guard let builder = OSSL_PARAM_BLD_new() else { OpenSSLFailure.fatal("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        let n = modulus.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        let e = exponent.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer { BN_free(n); BN_free(e) }
        guard let n, let e,
              OSSL_PARAM_BLD_push_BN(builder, ParamName.pointer(ParamName.rsaModulus), n) == 1,
              OSSL_PARAM_BLD_push_BN(builder, ParamName.pointer(ParamName.rsaExponent), e) == 1 else { return nil }
        guard let key = fromData(type: "RSA", builder) else { return nil }
        return VerifyingKey(key, kind: .rsa(bits: Int(EVP_PKEY_get_bits(key))))
    }

    /// The NIST curves a JWK's `crv` may name.
    public enum Curve: String, Sendable {
        case p256 = "P-256"
        case p384 = "P-384"

        var openSSLName: StaticString { self == .p256 ? "prime256v1" : "secp384r1" }
        /// Bytes of one coordinate.
        public var coordinateSize: Int { self == .p256 ? 32 : 48 }
    }

    /// An EC public key from its affine coordinates (a JWK's `x` and `y`), or nil when they
    /// have the wrong length or the point is not on the curve.
    public static func ec(curve: Curve, x: [UInt8], y: [UInt8]) -> VerifyingKey? {
        guard x.count == curve.coordinateSize, y.count == curve.coordinateSize else { return nil }
        let point = [0x04] + x + y // SEC 1 uncompressed form
        guard let builder = OSSL_PARAM_BLD_new() else { OpenSSLFailure.fatal("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        let name = curve.openSSLName
        let pushed = name.withUTF8Buffer { group in
            OSSL_PARAM_BLD_push_utf8_string(builder, ParamName.pointer(ParamName.group), UnsafeRawPointer(group.baseAddress!).assumingMemoryBound(to: CChar.self), group.count)
        }
        guard pushed == 1 else { return nil }
        // The builder keeps the pointer, not the bytes, until `OSSL_PARAM_BLD_to_param`: the
        // point must stay valid through `fromData` (ASan caught the first version reading it
        // after `withUnsafeBytes` had returned).
        let key = point.withUnsafeBytes { raw -> OpaquePointer? in
            guard OSSL_PARAM_BLD_push_octet_string(builder, ParamName.pointer(ParamName.publicKey), raw.baseAddress, raw.count) == 1 else {
                return nil
            }
            return fromData(type: "EC", builder)
        }
        guard let key else { return nil }
        return VerifyingKey(key, kind: curve == .p256 ? .ecP256 : .ecP384)
    }

    /// An Ed25519 public key from its 32 raw bytes (a JWK's `x` with `crv: Ed25519`).
    public static func ed25519(_ raw: [UInt8]) -> VerifyingKey? {
        guard raw.count == 32 else { return nil }
        let key = raw.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, $0.baseAddress, $0.count) }
        guard let key else { ERR_clear_error(); return nil }
        return VerifyingKey(key, kind: .ed25519)
    }

    // The builder keeps the parameter names' pointers until `OSSL_PARAM_BLD_to_param`: they
    // must be static strings (`ParamName`), never Swift's temporary C strings.
    private static func fromData(type: String, _ builder: OpaquePointer) -> OpaquePointer? {
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { ERR_clear_error(); return nil }
        defer { OSSL_PARAM_free(params) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { OpenSSLFailure.fatal("EVP_PKEY_CTX_new_from_name(\(type))") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1,
              EVP_PKEY_fromdata(context, &key, cedge_EVP_PKEY_PUBLIC_KEY, params) == 1, let key else {
            ERR_clear_error()
            return nil
        }
        return key
    }

    /// Whether this key may check `algorithm` at all (RSA for RS/PS, the matching curve for
    /// ES, Ed25519 for EdDSA): the guard against algorithm confusion.
    public func accepts(_ algorithm: SignatureAlgorithm) -> Bool {
        switch (algorithm, kind) {
        case (.rs256, .rsa), (.ps256, .rsa), (.es256, .ecP256), (.es384, .ecP384), (.edDSA, .ed25519): return true
        default: return false
        }
    }

    /// Whether `signature` (JWS form: r‖s for ECDSA) is a valid `algorithm` signature of
    /// `message` by this key. False for any mismatch, malformed signature or OpenSSL error.
    public func verify(_ signature: ArraySlice<UInt8>, of message: ArraySlice<UInt8>, algorithm: SignatureAlgorithm) -> Bool {
        guard accepts(algorithm) else { return false }
        var signatureBytes = Array(signature)
        switch algorithm {
        case .es256, .es384:
            guard let der = Self.derECDSASignature(signature, coordinateSize: algorithm == .es256 ? 32 : 48) else { return false }
            signatureBytes = der
        default:
            break
        }
        guard let context = EVP_MD_CTX_new() else { OpenSSLFailure.fatal("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        let digest: String? = algorithm == .edDSA ? nil : algorithm == .es384 ? "SHA384" : "SHA256"
        guard EVP_DigestVerifyInit_ex(context, &keyContext, digest, nil, nil, key, nil) == 1 else {
            ERR_clear_error()
            return false
        }
        if algorithm == .ps256 {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, cedge_RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, cedge_RSA_PSS_SALTLEN_DIGEST) == 1 else {
                ERR_clear_error()
                return false
            }
        }
        let status = signatureBytes.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { data in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, data.baseAddress, data.count)
            }
        }
        if status != 1 { ERR_clear_error() }
        return status == 1
    }

    /// A JWS ECDSA signature (r‖s, each `coordinateSize` bytes) as the DER `ECDSA-Sig-Value`
    /// OpenSSL verifies, encoded by OpenSSL itself.
    private static func derECDSASignature(_ raw: ArraySlice<UInt8>, coordinateSize: Int) -> [UInt8]? {
        guard raw.count == 2 * coordinateSize else { return nil }
        let bytes = Array(raw)
        guard let signature = ECDSA_SIG_new() else { OpenSSLFailure.fatal("ECDSA_SIG_new") }
        defer { ECDSA_SIG_free(signature) }
        let r = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(coordinateSize), nil) }
        let s = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + coordinateSize, Int32(coordinateSize), nil) }
        guard let r, let s else { BN_free(r); BN_free(s); return nil }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else { BN_free(r); BN_free(s); return nil } // owned by the signature from here
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { ERR_clear_error(); return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? der : nil
    }
}
