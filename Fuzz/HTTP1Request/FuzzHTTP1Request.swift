import EdgeFuzzing

/// libFuzzer's driver with `-sanitize=fuzzer -DEDGE_FUZZING` (make fuzz); otherwise replays
/// the files named on the command line.
@main
enum FuzzHTTP1Request {
    static func main() { FuzzMain.main(.http1Request) }
}

/// For the links where libFuzzer's own main() wins over the one above (SwiftPM's debug builds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.http1Request.run(data, size)
    return 0
}
