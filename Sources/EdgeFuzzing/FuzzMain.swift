#if canImport(Glibc)
import Glibc
#endif
#if EDGE_FUZZING
import CFuzzDriver
#endif

/// The `main` of every fuzz executable. Built with `-sanitize=fuzzer -DEDGE_FUZZING` (make
/// fuzz) it hands the target to libFuzzer's driver, which reads libFuzzer's options. In an
/// ordinary build it runs the target on each file named on the command line, so an input can
/// be replayed under a debugger or any sanitizer.
public enum FuzzMain {
    public static func main(_ target: FuzzTarget) -> Never {
        #if EDGE_FUZZING
        current = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzMain.current.run(data, size)
            return 0
        })
        #else
        replay(target)
        exit(0)
        #endif
    }

    /// The target libFuzzer's callback runs (a C function pointer captures nothing).
    nonisolated(unsafe) static var current = FuzzTarget.chunked

    static func replay(_ target: FuzzTarget) {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            fputs("usage: \(CommandLine.arguments[0]) FILE...\n"
                  + "(built without -sanitize=fuzzer: replays inputs; see `make fuzz` to fuzz)\n", stderr)
            exit(2)
        }
        for path in paths {
            guard let bytes = read(path) else {
                fputs("cannot read \(path)\n", stderr)
                exit(2)
            }
            target.run(bytes)
            print("\(path): ok (\(bytes.count) bytes)")
        }
    }

    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }
}
