import COpenSSL
import CEdgeShims

/// A TLS failure with a message an operator can act on: what failed, OpenSSL's own words
/// (drained from the thread's error queue), and what to fix.
///
/// Built only on cold paths (configuration, failed handshakes, broken connections).
public struct TLSError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// Certificates, keys, CA files or settings that OpenSSL refused.
        case configuration
        /// The handshake failed (protocol version, ciphers, certificate verification...).
        case handshake
        /// A TLS protocol error after the handshake (bad record, MAC failure...).
        case protocolError
        /// The socket failed underneath TLS; `errno` is in the message.
        case system
    }

    public let kind: Kind
    /// The whole sentence: what failed, OpenSSL's messages, and the fix.
    public let message: String
    /// OpenSSL's error strings (`ERR_error_string_n`), oldest first.
    public let libraryMessages: [String]

    public var description: String { message }

    public init(kind: Kind, message: String, libraryMessages: [String] = []) {
        self.kind = kind
        self.message = message
        self.libraryMessages = libraryMessages
    }

    /// Drains OpenSSL's error queue into an error: "`what`: `library messages`; `fix`".
    static func fromQueue(_ kind: Kind, _ what: String, fix: String? = nil) -> TLSError {
        let library = drainErrorQueue()
        var message = what
        if !library.isEmpty { message += ": " + library.joined(separator: "; ") }
        if let fix { message += " (" + fix + ")" }
        return TLSError(kind: kind, message: message, libraryMessages: library)
    }

    /// Empties the calling thread's OpenSSL error queue, returning each entry as text
    /// (with the extra data OpenSSL attaches, such as the file it failed to open).
    static func drainErrorQueue() -> [String] {
        var messages: [String] = []
        var text = [CChar](repeating: 0, count: 256)
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            ERR_error_string_n(code, &text, text.count)
            var entry = String(cString: text)
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
                entry += " (" + String(cString: data) + ")"
            }
            messages.append(entry)
        }
        return messages
    }
}
