#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system questions the loader asks, answered with POSIX calls (no Foundation:
/// it would add megabytes of resident memory to a process whose data plane never needs it).
/// Public for the serving layer, which reads the files a configuration names (key sets, secrets).
public enum LocalFiles {
    enum Kind {
        case missing, directory
        case file(readable: Bool)
    }

    static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .directory }
        return .file(readable: access(path, R_OK) == 0)
    }

    /// The whole file, or the reason it cannot be read ("No such file or directory").
    public static func contents(of path: String) -> Result<[UInt8], ReadError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadError(errno: errno)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return .success(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(errno: errno))
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// `path` made absolute against the working directory (not resolving symbolic links).
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return directory == "/" ? "/" + path : directory + "/" + path
    }

    public struct ReadError: Error {
        let errno: Int32
        public var reason: String { String(cString: strerror(errno)) }
    }
}
