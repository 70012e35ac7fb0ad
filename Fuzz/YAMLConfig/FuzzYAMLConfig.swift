import EdgeFuzzing

/// libFuzzer's driver with `-sanitize=fuzzer -DEDGE_FUZZING` (make fuzz); otherwise replays
/// the files named on the command line.
@main
enum FuzzYAMLConfig {
    static func main() { FuzzMain.main(.yamlConfig) }
}
