import EdgeFuzzing

// Built with -sanitize=fuzzer (make fuzz, -DEDGE_FUZZING) libFuzzer calls this for every
// input; in an ordinary build the executable replays the files named on its command line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.jsonrpc.run(data, size)
    return 0
}

#if !EDGE_FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(.jsonrpc) }
}
#endif
