// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks for mcp-edge's hot-path parsers and gateway codecs, kept in their own
// package so that the root package's `swift build` / `swift test` (and CI) never resolve or
// build the benchmark dependencies. Run from this directory: `swift package benchmark` (see ../README.md).
let package = Package(
    name: "mcp-edge-micro",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "mcp-edge", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EdgeParsers",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EdgeIO", package: "mcp-edge"),
                .product(name: "EdgeHTTP", package: "mcp-edge"),
                .product(name: "MCPWire", package: "mcp-edge"),
            ],
            path: "Benchmarks/EdgeParsers",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "GatewayCodecs",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MCPGateway", package: "mcp-edge"),
            ],
            path: "Benchmarks/GatewayCodecs",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "AccessChecks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EdgePolicy", package: "mcp-edge"),
            ],
            path: "Benchmarks/AccessChecks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
