// swift-tools-version:6.1
import PackageDescription

// Hot-path modules are built with cross-module optimisation; the whole package uses the Swift 5
// language mode because every event loop owns its objects on one thread (no Sendable traffic).
let optimised: [SwiftSetting] = [
    .swiftLanguageMode(.v5),
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

/// One libFuzzer executable per name, in Fuzz/<name>/ (see the Makefile's fuzz target).
let fuzzers = ["HTTP1Request", "HTTP1Response", "Chunked", "JSONRPC", "YAMLConfig", "HTTP2Server", "SessionOpen", "SSE", "JWT"]

let package = Package(
    name: "mcp-edge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mcp-edge", targets: ["mcp-edge"]),
        // For Benchmarks/Micro, a separate package that depends on this one by path.
        .library(name: "EdgeIO", targets: ["EdgeIO"]),
        .library(name: "EdgeHTTP", targets: ["EdgeHTTP"]),
        .library(name: "MCPWire", targets: ["MCPWire"]),
        .library(name: "EdgeCrypto", targets: ["EdgeCrypto"]),
        .library(name: "MCPGateway", targets: ["MCPGateway"]),
        .library(name: "EdgePolicy", targets: ["EdgePolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries of the design card, found with pkg-config.
        .systemLibrary(name: "COpenSSL", path: "CModules/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CNGHTTP2", path: "CModules/CNGHTTP2", pkgConfig: "libnghttp2",
                       providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CZlib", path: "CModules/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // libyaml for the configuration file: the parser Yams wraps, without Foundation, which
        // would add megabytes of resident memory to every worker process.
        .systemLibrary(name: "CYAML", path: "CModules/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        // What Swift cannot import directly: epoll/eventfd/timerfd and OpenSSL macros.
        .target(name: "CEdgeShims", dependencies: ["COpenSSL"], path: "CModules/CEdgeShims"),

        .target(name: "EdgeIO", dependencies: ["CEdgeShims"], swiftSettings: optimised),
        .target(name: "EdgeTLS", dependencies: ["EdgeIO", "COpenSSL", "CEdgeShims"], swiftSettings: optimised),
        .target(name: "EdgeHTTP", dependencies: ["EdgeIO", "CNGHTTP2"], swiftSettings: optimised),
        .target(name: "MCPWire", swiftSettings: optimised),
        // OpenSSL's AEAD, HKDF, HMAC and digests behind a small safe surface: sealed session
        // ids and cursors today, signed JWTs later.
        .target(name: "EdgeCrypto", dependencies: ["COpenSSL"], swiftSettings: optimised),
        // MCP semantics of gateway routes, driven by messages (no sockets): eras, sessions,
        // the catalog, name/cursor codecs, id maps.
        .target(name: "MCPGateway", dependencies: ["MCPWire", "EdgeCrypto"], swiftSettings: optimised),
        // Who may use what: API keys, JWTs (signatures checked by EdgeCrypto), OAuth resource
        // metadata, access rules. No sockets; the connection layer asks it per request.
        .target(name: "EdgePolicy", dependencies: ["MCPWire", "EdgeCrypto", "MCPGateway"], swiftSettings: optimised),
        .target(name: "EdgeConfig", dependencies: ["CYAML"],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        .target(name: "EdgeGateway",
                dependencies: ["EdgeIO", "EdgeTLS", "EdgeHTTP", "MCPWire", "EdgeCrypto", "MCPGateway", "EdgePolicy", "EdgeConfig"],
                swiftSettings: optimised),
        .executableTarget(name: "mcp-edge",
                          dependencies: ["EdgeGateway", "EdgeConfig",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimised,
                          // lld packs relative relocations (DT_RELR, glibc 2.36+): the loader reads
                          // 7 KiB instead of 900 KiB of relocation records at start-up (-0.9 MiB RSS).
                          // CModules/StaticCxx makes -lstdc++ link the static library (-1.1 MiB RSS).
                          linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                                                         "-L\(Context.packageDirectory)/CModules/StaticCxx"],
                                                        .when(platforms: [.linux], configuration: .release))]),

        // Fuzz targets (make fuzz): the harnesses live in one library so that the corpus replay
        // tests run the same code; each executable hands its target to libFuzzer's driver (with
        // -DEDGE_FUZZING) or, in an ordinary build, replays the files named on its command line.
        .target(name: "EdgeFuzzing", dependencies: ["EdgeHTTP", "EdgeIO", "MCPWire", "MCPGateway", "EdgePolicy", "EdgeConfig", "CFuzzDriver"],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
    ] + fuzzers.map { name in
        .executableTarget(name: "Fuzz\(name)", dependencies: ["EdgeFuzzing"], path: "Fuzz/\(name)",
                          swiftSettings: [.swiftLanguageMode(.v5)])
    } + [
        .testTarget(name: "EdgeFuzzingTests", dependencies: ["EdgeFuzzing", "EdgeConfig", "MCPGateway"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgeIOTests", dependencies: ["EdgeIO"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgeTLSTests", dependencies: ["EdgeTLS", "EdgeIO"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgeHTTPTests", dependencies: ["EdgeHTTP", "EdgeIO"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgeGatewayTests", dependencies: ["EdgeGateway", "EdgeConfig", "EdgeHTTP", "EdgeIO"],
                    swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "MCPWireTests", dependencies: ["MCPWire"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgeCryptoTests", dependencies: ["EdgeCrypto"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "MCPGatewayTests", dependencies: ["MCPGateway", "MCPWire", "EdgeCrypto"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgePolicyTests", dependencies: ["EdgePolicy", "EdgeCrypto", "MCPWire"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EdgeConfigTests", dependencies: ["EdgeConfig"], swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
