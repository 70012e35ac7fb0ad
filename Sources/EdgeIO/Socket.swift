import CEdgeShims
import Glibc

/// The outcome of one non-blocking read or write.
public enum IOResult: Equatable {
    /// Bytes moved (> 0).
    case count(Int)
    /// The socket has nothing to read / no room to write: wait for readiness.
    case wouldBlock
    /// End of stream (read) or the peer is gone (write: EPIPE/ECONNRESET).
    case closed
    /// Any other errno.
    case failed(Int32)
}

/// The one place where socket system calls are made. Every function works on a raw file
/// descriptor owned by the caller and turns errno into a Swift value.
public enum Socket {
    /// A non-blocking listening socket; with `reusePort` each worker binds its own.
    public static func listen(_ address: SocketAddress, reusePort: Bool, backlog: Int32 = 4096) throws -> Int32 {
        let domain = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if address.family == .v6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockAddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let e = errno
            Glibc.close(fd)
            throw IOError("bind", errno: e, detail: "to \(address)")
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = errno
            Glibc.close(fd)
            throw IOError("listen", errno: e, detail: "on \(address)")
        }
        return fd
    }

    /// The port a socket is bound to (for listeners bound to port 0).
    public static func localPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// The result of `accept`.
    public enum Accepted {
        case connection(fd: Int32, peer: [UInt8])
        case wouldBlock
        /// EMFILE/ENFILE/ENOBUFS: the process is out of resources; back off.
        case exhausted(Int32)
        case failed(Int32)
    }

    /// Accepts one connection, non-blocking, with the peer's IP address as text.
    public static func accept(_ listener: Int32) -> Accepted {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                cedge_accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        if fd < 0 {
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED: return .wouldBlock
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted(errno)
            default: return .failed(errno)
            }
        }
        return .connection(fd: fd, peer: addressText(&storage))
    }

    private static func addressText(_ storage: inout sockaddr_storage) -> [UInt8] {
        var text = [UInt8](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(storage.ss_family)
        withUnsafePointer(to: &storage) { raw in
            text.withUnsafeMutableBufferPointer { out in
                out.baseAddress!.withMemoryRebound(to: CChar.self, capacity: out.count) { chars in
                    if family == AF_INET {
                        raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                            var addr = a.pointee.sin_addr
                            _ = inet_ntop(AF_INET, &addr, chars, socklen_t(out.count))
                        }
                    } else if family == AF_INET6 {
                        raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                            var addr = a.pointee.sin6_addr
                            _ = inet_ntop(AF_INET6, &addr, chars, socklen_t(out.count))
                        }
                    }
                }
            }
        }
        if let end = text.firstIndex(of: 0) { text.removeSubrange(end...) }
        return text
    }

    /// Starts a non-blocking connect. Returns the descriptor; completion is signalled by
    /// writability, after which `pendingError` tells whether it succeeded.
    public static func connect(to address: SocketAddress) throws -> Int32 {
        let domain = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError("socket", errno: errno) }
        let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            let e = errno
            Glibc.close(fd)
            throw IOError("connect", errno: e, detail: "to \(address)")
        }
        setNoDelay(fd)
        return fd
    }

    /// A blocking socket connected to `address` within `timeoutSeconds`, whose reads and writes
    /// give up after the same time. For helper threads only (key-set fetches), never a loop.
    public static func connectBlocking(to address: SocketAddress, timeoutSeconds: Int) throws -> Int32 {
        let fd = try connect(to: address)
        var pending = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&pending, 1, Int32(timeoutSeconds * 1000))
        let error = ready == 1 ? pendingError(fd) : ETIMEDOUT
        guard error == 0 else {
            Glibc.close(fd)
            throw IOError("connect", errno: error, detail: "to \(address)")
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~Int32(O_NONBLOCK))
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// SO_ERROR: 0 once a non-blocking connect has succeeded.
    public static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Turns TCP_CORK on or off. While on, the kernel sends only full segments; turning it off
    /// sends what is queued at once.
    public static func setCork(_ fd: Int32, _ on: Bool) {
        var value: Int32 = on ? 1 : 0
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads into the free space of `buffer`.
    public static func read(_ fd: Int32, into buffer: inout ByteBuffer) -> IOResult {
        read(fd, into: &buffer, max: Int.max)
    }

    /// Reads at most `max` bytes into the free space of `buffer` (a body of known length, read
    /// straight into the buffer that will send it on).
    public static func read(_ fd: Int32, into buffer: inout ByteBuffer, max: Int) -> IOResult {
        var failure: Int32 = 0
        let n = buffer.withUnsafeMutableWritableBytes { free -> Int in
            let r = Glibc.read(fd, free.baseAddress, Swift.min(free.count, max))
            if r < 0 { failure = errno; return 0 }
            if r == 0 { failure = -1 }
            return r
        }
        if n > 0 { return .count(n) }
        return classify(failure)
    }

    /// Writes the readable bytes of `buffer` (the caller moves its reader index).
    public static func write(_ fd: Int32, from buffer: ByteBuffer) -> IOResult {
        let n = buffer.withUnsafeReadableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return n >= 0 ? .count(n) : classify(errno)
    }

    /// Writes a borrowed view.
    public static func write(_ fd: Int32, from view: ByteView) -> IOResult {
        let n = view.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return n >= 0 ? .count(n) : classify(errno)
    }

    /// Writes the readable bytes of two buffers with one gathering `sendmsg` (a head and a
    /// body); like the other writes it passes MSG_NOSIGNAL, which `writev` cannot.
    public static func write(_ fd: Int32, from first: ByteBuffer, _ second: ByteBuffer) -> IOResult {
        let n = first.withUnsafeReadableBytes { a in
            second.withUnsafeReadableBytes { b -> Int in
                var iov = (iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: a.count),
                           iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count))
                return withUnsafeMutablePointer(to: &iov) {
                    $0.withMemoryRebound(to: iovec.self, capacity: 2) { vectors in
                        var message = msghdr()
                        message.msg_iov = vectors
                        message.msg_iovlen = 2
                        return Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
        }
        return n >= 0 ? .count(n) : classify(errno)
    }

    private static func classify(_ error: Int32) -> IOResult {
        switch error {
        case -1: return .closed
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock
        case EPIPE, ECONNRESET, ENOTCONN, ETIMEDOUT: return .closed
        default: return .failed(error)
        }
    }

    /// Half-closes the sending side.
    public static func shutdownWrite(_ fd: Int32) { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    public static func close(_ fd: Int32) { Glibc.close(fd) }
}
