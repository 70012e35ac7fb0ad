import EdgeFuzzing

/// libFuzzer's driver with `-sanitize=fuzzer -DEDGE_FUZZING` (make fuzz); otherwise replays
/// the files named on the command line.
@main
enum FuzzSSE {
    static func main() { FuzzMain.main(.sse) }
}

/// For the links where libFuzzer's own main() wins over the one above (SwiftPM's debug builds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.sse.run(data, size)
    return 0
}
