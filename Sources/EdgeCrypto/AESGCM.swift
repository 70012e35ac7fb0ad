import COpenSSL

/// AES-256-GCM (NIST SP 800-38D) with one 32-byte key, through OpenSSL's `EVP_CIPHER`. A sealed
/// message is `nonce (12 random bytes) || ciphertext || tag (16 bytes)`; the additional data
/// is authenticated but not stored.
///
/// The key schedule is computed once, in two contexts (one sealing, one opening) that each call
/// only re-initialises with a nonce. Not thread safe: every call mutates them. Give each worker
/// thread its own instance.
///
/// Random nonces: after about 2^32 messages under one key the chance of a repeated nonce
/// becomes significant (SP 800-38D, 8.3); rotate keys well before that.
public final class AESGCM {
    /// AES-256: 32-byte keys.
    public static let keyByteCount = 32
    /// GCM's 96-bit nonce, the length it handles without hashing.
    public static let nonceByteCount = 12
    /// The full 128-bit tag (never truncated).
    public static let tagByteCount = 16
    /// What sealing adds to the plaintext: the nonce and the tag.
    public static let overhead = nonceByteCount + tagByteCount

    private let sealContext: OpaquePointer
    private let openContext: OpaquePointer

    /// `key` must have 32 bytes (a programming error otherwise: keys come from `HKDF`).
    public init(key: [UInt8]) {
        precondition(key.count == Self.keyByteCount, "AESGCM: the key has \(key.count) bytes, not 32")
        guard let sealContext = EVP_CIPHER_CTX_new(), let openContext = EVP_CIPHER_CTX_new() else {
            OpenSSLFailure.fatal("EVP_CIPHER_CTX_new")
        }
        self.sealContext = sealContext
        self.openContext = openContext
        key.withUnsafeBufferPointer { key in
            OpenSSLFailure.require(EVP_EncryptInit_ex2(sealContext, OpenSSLAlgorithms.aes256GCM, key.baseAddress, nil, nil),
                                   "EVP_EncryptInit_ex2(AES-256-GCM)")
            OpenSSLFailure.require(EVP_DecryptInit_ex2(openContext, OpenSSLAlgorithms.aes256GCM, key.baseAddress, nil, nil),
                                   "EVP_DecryptInit_ex2(AES-256-GCM)")
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(sealContext)
        EVP_CIPHER_CTX_free(openContext)
    }

    /// Appends `nonce || ciphertext || tag` to `out`, with a fresh random nonce.
    public func seal(_ plaintext: ArraySlice<UInt8>, aad: ArraySlice<UInt8>, into out: inout [UInt8]) {
        seal(plaintext, aad: aad, nonce: nil, into: &out)
    }

    /// As above with a chosen nonce: for known-answer tests only (a repeated nonce breaks GCM).
    func seal(_ plaintext: ArraySlice<UInt8>, aad: ArraySlice<UInt8>, nonce: [UInt8]?, into out: inout [UInt8]) {
        precondition(plaintext.count <= Int(Int32.max) - Self.overhead && aad.count <= Int(Int32.max))
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: plaintext.count + Self.overhead))
        out.withUnsafeMutableBufferPointer { buffer in
            let nonceSlot = UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + Self.nonceByteCount)])
            if let nonce {
                precondition(nonce.count == Self.nonceByteCount)
                _ = nonceSlot.initialize(from: nonce)
            } else {
                SecureRandom.fill(nonceSlot)
            }
            let ciphertext = nonceSlot.baseAddress! + Self.nonceByteCount
            let tag = ciphertext + plaintext.count
            let ctx = sealContext
            OpenSSLFailure.require(EVP_EncryptInit_ex2(ctx, nil, nil, nonceSlot.baseAddress, nil), "EVP_EncryptInit_ex2(nonce)")
            var written: Int32 = 0
            if !aad.isEmpty {
                let status = aad.withUnsafeBufferPointer { EVP_EncryptUpdate(ctx, nil, &written, $0.baseAddress, Int32($0.count)) }
                OpenSSLFailure.require(status, "EVP_EncryptUpdate(aad)")
            }
            if !plaintext.isEmpty {
                let status = plaintext.withUnsafeBufferPointer {
                    EVP_EncryptUpdate(ctx, ciphertext, &written, $0.baseAddress, Int32($0.count))
                }
                OpenSSLFailure.require(status, "EVP_EncryptUpdate")
                precondition(Int(written) == plaintext.count)
            }
            OpenSSLFailure.require(EVP_EncryptFinal_ex(ctx, tag, &written), "EVP_EncryptFinal_ex")
            OpenSSLFailure.require(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagByteCount), tag),
                                   "EVP_CTRL_AEAD_GET_TAG")
        }
    }

    /// The plaintext of `nonce || ciphertext || tag`, or nil when it is shorter than 28 bytes
    /// or fails authentication (any changed byte of the message or of `aad`).
    public func open(_ sealed: ArraySlice<UInt8>, aad: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        return open(sealed, aad: aad, appendingTo: &out) ? out : nil
    }

    /// Appends the plaintext to `out` and returns true; on failure returns false and leaves
    /// `out` as it was (unauthenticated plaintext is never handed out).
    public func open(_ sealed: ArraySlice<UInt8>, aad: ArraySlice<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        guard sealed.count >= Self.overhead, sealed.count <= Int(Int32.max), aad.count <= Int(Int32.max) else {
            return false
        }
        let count = sealed.count - Self.overhead
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        let ctx = openContext
        // GCM's final step writes nothing, but wants a pointer; an empty `out` may have none.
        var spare: UInt8 = 0
        let authentic = withUnsafeMutablePointer(to: &spare) { spare in
            sealed.withUnsafeBufferPointer { sealed -> Bool in
                out.withUnsafeMutableBufferPointer { buffer -> Bool in
                    let nonce = sealed.baseAddress!
                    let ciphertext = nonce + Self.nonceByteCount
                    let plaintext = buffer.baseAddress.map { $0 + start } ?? spare
                    guard EVP_DecryptInit_ex2(ctx, nil, nil, nonce, nil) == 1 else { return false }
                    var written: Int32 = 0
                    if !aad.isEmpty {
                        let status = aad.withUnsafeBufferPointer { EVP_DecryptUpdate(ctx, nil, &written, $0.baseAddress, Int32($0.count)) }
                        guard status == 1 else { return false }
                    }
                    if count > 0 {
                        guard EVP_DecryptUpdate(ctx, plaintext, &written, ciphertext, Int32(count)) == 1,
                              Int(written) == count else { return false }
                    }
                    // OpenSSL only reads the expected tag; the parameter is not const in its header.
                    let tag = UnsafeMutableRawPointer(mutating: ciphertext + count)
                    guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagByteCount), tag) == 1 else { return false }
                    return EVP_DecryptFinal_ex(ctx, plaintext + count, &written) == 1
                }
            }
        }
        if !authentic {
            out.removeSubrange(start...)
            // A failed check may leave entries on this thread's OpenSSL error queue, which TLS
            // code on the same thread would otherwise read as its own.
            ERR_clear_error()
        }
        return authentic
    }
}
