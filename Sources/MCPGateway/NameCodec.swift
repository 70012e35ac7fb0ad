import EdgeCrypto

/// Turns backend tool and prompt names into the names a gateway route exposes
/// (`<server><separator><name>`) and back.
///
/// Exposed names keep to `[A-Za-z0-9_.-]` and `maxLength` characters. A name that would break
/// either rule is rewritten deterministically: characters outside the set become `_`, and an
/// over-long name is cut and ends in `-` plus 8 hex digits of the SHA-256 of the full
/// `server/name`, so two different tools never share a shortened name. Such names cannot be
/// split back; the route's `Catalog` remembers them from the lists it merged.
public struct NameCodec {
    public let separator: [UInt8]
    public let maxLength: Int

    public init(separator: String, maxLength: Int) {
        self.separator = Array(separator.utf8)
        self.maxLength = maxLength
    }

    /// Whether `byte` may appear in an exposed name.
    @inline(__always)
    public static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    /// The exposed name, and whether it is the plain `server + separator + name` (which
    /// `split` reverses without a map).
    public func expose(server: [UInt8], name: [UInt8]) -> (name: [UInt8], isPlain: Bool) {
        var exposed = server
        exposed.append(contentsOf: separator)
        var plain = true
        for byte in name {
            if Self.isNameByte(byte) { exposed.append(byte) } else { exposed.append(UInt8(ascii: "_")); plain = false }
        }
        if name.isEmpty { plain = false }
        if exposed.count > maxLength {
            var whole = server
            whole.append(UInt8(ascii: "/"))
            whole.append(contentsOf: name)
            let digest = SHA256.hash(whole[...])
            exposed.removeLast(exposed.count - (maxLength - 9))
            exposed.append(UInt8(ascii: "-"))
            for byte in digest.prefix(4) {
                exposed.append(Self.hex[Int(byte >> 4)])
                exposed.append(Self.hex[Int(byte & 0x0F)])
            }
            plain = false
        }
        return (exposed, plain)
    }

    /// Splits a plain exposed name at the first separator: (server, backend name).
    public func split(_ exposed: ArraySlice<UInt8>) -> (server: ArraySlice<UInt8>, name: ArraySlice<UInt8>)? {
        let count = separator.count
        guard count > 0, exposed.count > count else { return nil }
        var i = exposed.startIndex
        let last = exposed.endIndex - count
        while i <= last {
            if exposed[i] == separator[0], exposed[i..<(i + count)].elementsEqual(separator) {
                guard i > exposed.startIndex, i + count < exposed.endIndex else { return nil }
                return (exposed[exposed.startIndex..<i], exposed[(i + count)...])
            }
            i += 1
        }
        return nil
    }

    /// Whether `name` has the form `expose` gives a name it had to cut: exactly `maxLength`
    /// long, ending in `-` and 8 lower-case hex digits.
    public func looksShortened(_ name: [UInt8]) -> Bool {
        guard name.count == maxLength, name[maxLength - 9] == UInt8(ascii: "-") else { return false }
        return name[(maxLength - 8)...].allSatisfy { Self.hex.contains($0) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
