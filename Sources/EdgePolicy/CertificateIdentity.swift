/// The names of a verified client certificate (mutual TLS), as the TLS layer read them.
public struct ClientCertificateNames: Sendable, Equatable {
    public var commonName: String?
    public var organization: String?
    public var organizationalUnits: [String]
    public var dnsNames: [String]
    public var uris: [String]
    public var emails: [String]

    public init(commonName: String? = nil, organization: String? = nil, organizationalUnits: [String] = [],
                dnsNames: [String] = [], uris: [String] = [], emails: [String] = []) {
        self.commonName = commonName
        self.organization = organization
        self.organizationalUnits = organizationalUnits
        self.dnsNames = dnsNames
        self.uris = uris
        self.emails = emails
    }
}

/// How a client certificate names an identity: the subject from the common name or the first
/// subjectAltName of a kind, the tenant from the organization, groups from the units.
public struct CertificateMapping: Sendable {
    public enum SubjectSource: Sendable {
        case commonName, dns, uri, email
    }

    public let subject: SubjectSource
    public let tenantFromOrganization: Bool
    public let groupsFromUnits: Bool

    public init(subject: SubjectSource = .commonName, tenantFromOrganization: Bool = false, groupsFromUnits: Bool = false) {
        self.subject = subject
        self.tenantFromOrganization = tenantFromOrganization
        self.groupsFromUnits = groupsFromUnits
    }

    /// The identity of `names`, or nil when the certificate lacks the name the subject comes from.
    public func identity(_ names: ClientCertificateNames) -> Identity? {
        let subject: String?
        switch self.subject {
        case .commonName: subject = names.commonName
        case .dns: subject = names.dnsNames.first
        case .uri: subject = names.uris.first
        case .email: subject = names.emails.first
        }
        guard let subject, !subject.isEmpty else { return nil }
        return Identity(source: .certificate, subject: subject,
                        tenant: tenantFromOrganization ? names.organization : nil,
                        groups: groupsFromUnits ? names.organizationalUnits : [])
    }
}
