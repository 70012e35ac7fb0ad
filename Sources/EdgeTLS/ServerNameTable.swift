/// Chooses a certificate for a TLS server name (SNI). Each certificate contributes its
/// subjectAltName DNS names and its subject CN; exact names win over wildcards, earlier
/// certificates over later ones. A wildcard `*.example.com` covers exactly one label:
/// `a.example.com`, not `example.com` nor `a.b.example.com`. Comparison ignores ASCII case
/// and one trailing dot.
///
/// Pure Swift and allocation-free on lookup: it runs inside the handshake callback.
struct ServerNameTable {
    private var exact: [(name: [UInt8], certificate: Int)] = []
    /// Wildcard patterns stored without the `*`: ".example.com".
    private var wildcard: [(suffix: [UInt8], certificate: Int)] = []

    /// `names[i]` are the DNS names of certificate `i`.
    init(names: [[String]]) {
        for (certificate, list) in names.enumerated() {
            for name in list {
                var bytes = Array(name.utf8).map(Self.lowercased)
                if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
                if bytes.count > 2, bytes[0] == UInt8(ascii: "*"), bytes[1] == UInt8(ascii: ".") {
                    wildcard.append((Array(bytes.dropFirst()), certificate))
                } else if !bytes.isEmpty, !bytes.contains(UInt8(ascii: "*")) {
                    exact.append((bytes, certificate))
                }
            }
        }
    }

    /// The certificate index for a server name, or nil (the caller keeps its default).
    func certificate(for serverName: UnsafeBufferPointer<UInt8>) -> Int? {
        var name = serverName
        if name.last == UInt8(ascii: ".") { name = UnsafeBufferPointer(rebasing: name.dropLast()) }
        if name.isEmpty { return nil }
        for entry in exact where Self.equalIgnoringCase(entry.name[...], name[...]) {
            return entry.certificate
        }
        guard let dot = name.firstIndex(of: UInt8(ascii: ".")), dot > 0 else { return nil }
        let suffix = name[dot...]
        for entry in wildcard where Self.equalIgnoringCase(entry.suffix[...], suffix) {
            return entry.certificate
        }
        return nil
    }

    func certificate(for serverName: String) -> Int? {
        var name = serverName
        return name.withUTF8 { certificate(for: $0) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// `stored` is already lower case.
    private static func equalIgnoringCase(_ stored: ArraySlice<UInt8>, _ other: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard stored.count == other.count else { return false }
        var a = stored.startIndex
        var b = other.startIndex
        while a < stored.endIndex {
            if stored[a] != lowercased(other[b]) { return false }
            a += 1
            b += 1
        }
        return true
    }
}
