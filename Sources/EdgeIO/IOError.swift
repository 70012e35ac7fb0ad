import Glibc

/// A failed system call: which call, on what, and errno's text.
public struct IOError: Error, CustomStringConvertible {
    public let call: StaticString
    public let errno: Int32
    public let detail: String

    public init(_ call: StaticString, errno: Int32, detail: String = "") {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        return detail.isEmpty ? "\(call) failed: \(reason)" : "\(call) \(detail) failed: \(reason)"
    }
}
