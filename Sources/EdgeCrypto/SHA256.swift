import COpenSSL

/// SHA-256 (FIPS 180-4) through `EVP_Digest`. Stateless, safe from any thread.
public enum SHA256 {
    /// The digest length in bytes.
    public static let byteCount = 32

    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.withUnsafeBytes { digest(of: $0) }
    }

    /// The 32-byte digest of any collection of bytes (contiguous ones are not copied).
    public static func hash<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ digest(of: UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { digest(of: $0) }
    }

    private static func digest(of input: UnsafeRawBufferPointer) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let status = result.withUnsafeMutableBufferPointer { output in
            EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, OpenSSLAlgorithms.sha256, nil)
        }
        OpenSSLFailure.require(status, "EVP_Digest(SHA256)")
        precondition(length == UInt32(byteCount))
        return result
    }
}
