import COpenSSL
import CEdgeShims

/// Reads the DNS names a certificate answers for: subjectAltName DNS entries, then the
/// subject's common name. Borrows the `X509` (does not free it).
enum CertificateNames {
    static func dnsNames(of certificate: OpaquePointer) -> [String] {
        var names: [String] = []
        if let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) {
            let generalNames = OpaquePointer(raw)
            defer { GENERAL_NAMES_free(generalNames) }
            for index in 0..<cedge_sk_GENERAL_NAME_num(generalNames) {
                var type: Int32 = 0
                guard let entry = cedge_sk_GENERAL_NAME_value(generalNames, index),
                      let value = GENERAL_NAME_get0_value(entry, &type), type == GEN_DNS
                else { continue }
                if let name = string(value.assumingMemoryBound(to: ASN1_STRING.self)) { names.append(name) }
            }
        }
        if let common = commonName(of: certificate) { names.append(common) }
        return names
    }

    /// The subject's CN as text, if any.
    static func commonName(of certificate: OpaquePointer) -> String? {
        guard let subject = X509_get_subject_name(certificate) else { return nil }
        let index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(subject, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length > 0, let utf8 else { return nil }
        defer { cedge_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// The subject as one line ("/CN=example.com/O=..."), for logs and tests.
    static func subjectLine(of certificate: OpaquePointer) -> String? {
        guard let subject = X509_get_subject_name(certificate),
              let line = X509_NAME_oneline(subject, nil, 0) else { return nil }
        defer { cedge_OPENSSL_free(line) }
        return String(cString: line)
    }

    private static func string(_ asn1: UnsafePointer<ASN1_STRING>) -> String? {
        guard let bytes = ASN1_STRING_get0_data(asn1) else { return nil }
        let length = Int(ASN1_STRING_length(asn1))
        guard length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }
}
