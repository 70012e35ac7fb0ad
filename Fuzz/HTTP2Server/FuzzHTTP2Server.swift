import EdgeFuzzing

/// libFuzzer's driver with `-sanitize=fuzzer -DEDGE_FUZZING` (make fuzz); otherwise replays
/// the files named on the command line.
@main
enum FuzzHTTP2Server {
    static func main() { FuzzMain.main(.http2Server) }
}
