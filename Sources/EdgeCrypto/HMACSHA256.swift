import COpenSSL

/// HMAC-SHA256 (RFC 2104) with one key, through OpenSSL's `EVP_MAC` "HMAC". The key is set
/// once; each MAC re-initialises the same context (OpenSSL keeps the keyed inner and outer
/// states), so computing one allocates nothing in OpenSSL.
///
/// Not thread safe: the context is mutated by every call. Give each worker thread its own.
public final class HMACSHA256 {
    /// The MAC length in bytes.
    public static let byteCount = 32

    private let context: OpaquePointer

    /// `key` may have any non-zero length (longer than 64 bytes is hashed first, as RFC 2104 says).
    public init(key: [UInt8]) {
        precondition(!key.isEmpty, "HMACSHA256: empty key")
        guard let context = EVP_MAC_CTX_new(OpenSSLAlgorithms.hmac) else {
            OpenSSLFailure.fatal("EVP_MAC_CTX_new(HMAC)")
        }
        self.context = context
        let status = key.withUnsafeBufferPointer { key in
            var params = [
                OSSL_PARAM_construct_utf8_string(ParamName.pointer(ParamName.digest), ParamName.pointer(ParamName.sha256), 0),
                OSSL_PARAM_construct_end(),
            ]
            return EVP_MAC_init(context, key.baseAddress, key.count, &params)
        }
        OpenSSLFailure.require(status, "EVP_MAC_init(HMAC-SHA256)")
    }

    deinit { EVP_MAC_CTX_free(context) }

    /// The 32-byte MAC of `data`.
    public func mac(_ data: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        mac(data, appendingTo: &out)
        return out
    }

    /// Appends the 32-byte MAC of `data` to `out` (no allocation when `out` has the capacity).
    public func mac(_ data: ArraySlice<UInt8>, appendingTo out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: Self.byteCount))
        // A null key re-initialises with the key already set (the inner and outer pads kept).
        OpenSSLFailure.require(EVP_MAC_init(context, nil, 0, nil), "EVP_MAC_init(HMAC-SHA256, same key)")
        let updated = data.isEmpty ? 1 : data.withUnsafeBufferPointer { EVP_MAC_update(context, $0.baseAddress, $0.count) }
        OpenSSLFailure.require(updated, "EVP_MAC_update(HMAC-SHA256)")
        var length = 0
        let finished = out.withUnsafeMutableBufferPointer { buffer in
            EVP_MAC_final(context, buffer.baseAddress! + start, &length, Self.byteCount)
        }
        OpenSSLFailure.require(finished, "EVP_MAC_final(HMAC-SHA256)")
        precondition(length == Self.byteCount)
    }
}
