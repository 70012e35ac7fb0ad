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

/// What mcp-edge reads from a verified client certificate to name its holder.
public struct PeerCertificate: Sendable, Equatable {
    public let commonName: String?
    /// Subject `O` and `OU` entries.
    public let organization: String?
    public let organizationalUnits: [String]
    /// subjectAltName entries by kind.
    public let dnsNames: [String]
    public let uris: [String]
    public let emails: [String]

    init(_ certificate: OpaquePointer) {
        commonName = CertificateNames.commonName(of: certificate)
        organization = CertificateNames.subjectEntries(of: certificate, nid: NID_organizationName).first
        organizationalUnits = CertificateNames.subjectEntries(of: certificate, nid: NID_organizationalUnitName)
        dnsNames = CertificateNames.alternativeNames(of: certificate, type: GEN_DNS)
        uris = CertificateNames.alternativeNames(of: certificate, type: GEN_URI)
        emails = CertificateNames.alternativeNames(of: certificate, type: GEN_EMAIL)
    }
}

extension CertificateNames {
    /// The subjectAltName entries of one kind (`GEN_DNS`, `GEN_URI`, `GEN_EMAIL`).
    static func alternativeNames(of certificate: OpaquePointer, type wanted: Int32) -> [String] {
        var names: [String] = []
        guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return names }
        let generalNames = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(generalNames) }
        for index in 0..<cedge_sk_GENERAL_NAME_num(generalNames) {
            var type: Int32 = 0
            guard let entry = cedge_sk_GENERAL_NAME_value(generalNames, index),
                  let value = GENERAL_NAME_get0_value(entry, &type), type == wanted else { continue }
            if let name = asn1Text(value.assumingMemoryBound(to: ASN1_STRING.self)) { names.append(name) }
        }
        return names
    }

    /// Every subject entry with this NID, as UTF-8 text.
    static func subjectEntries(of certificate: OpaquePointer, nid: Int32) -> [String] {
        guard let subject = X509_get_subject_name(certificate) else { return [] }
        var values: [String] = []
        var index = X509_NAME_get_index_by_NID(subject, nid, -1)
        while index >= 0 {
            if let entry = X509_NAME_get_entry(subject, index), let data = X509_NAME_ENTRY_get_data(entry) {
                var utf8: UnsafeMutablePointer<UInt8>?
                let length = ASN1_STRING_to_UTF8(&utf8, data)
                if length > 0, let utf8 {
                    values.append(String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
                    cedge_OPENSSL_free(utf8)
                }
            }
            index = X509_NAME_get_index_by_NID(subject, nid, index)
        }
        return values
    }

    private static func asn1Text(_ asn1: UnsafePointer<ASN1_STRING>) -> String? {
        guard let bytes = ASN1_STRING_get0_data(asn1) else { return nil }
        let length = Int(ASN1_STRING_length(asn1))
        guard length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }
}
