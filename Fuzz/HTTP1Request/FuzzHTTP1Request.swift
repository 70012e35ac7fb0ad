import EdgeFuzzing

/// libFuzzer's driver with `-sanitize=fuzzer -DEDGE_FUZZING` (make fuzz); otherwise replays
/// the files named on the command line.
@main
enum FuzzHTTP1Request {
    static func main() { FuzzMain.main(.http1Request) }
}
