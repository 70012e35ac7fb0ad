import EdgeFuzzing

/// libFuzzer's driver with `-sanitize=fuzzer -DEDGE_FUZZING` (make fuzz); otherwise replays
/// the files named on the command line.
@main
enum FuzzJWT {
    static func main() { FuzzMain.main(.jwt) }
}

/// For the links where libFuzzer's own main() wins over the one above (SwiftPM's debug builds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.jwt.run(data, size)
    return 0
}
