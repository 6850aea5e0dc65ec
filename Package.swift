// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "cdx-verify",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "StreamShare", targets: ["StreamShare"]),
        .library(name: "StreamShareSandbox", targets: ["StreamShareSandbox"]),
        .executable(name: "cdx-verify", targets: ["cdx-verify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        // No default traits: its `FullFoundation` trait links all of Foundation (ICU data, ~40 MB) into the binary.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        // Tests only: property-based tests (share decoding, bootstrap URLs, export round trips).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        // The C boundary: the only code that calls rd_kafka_* for the library (package access).
        .target(
            name: "RdKafka",
            dependencies: ["CRdKafka"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StreamShare",
            dependencies: [
                "RdKafka",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StreamShareSandbox",
            dependencies: [
                "StreamShare",
                "RdKafka",
                // For librdkafka's mock cluster (`CRdKafka.Mock`), which only the sandbox sees.
                "CRdKafka",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "cdx-verify",
            dependencies: [
                "StreamShare",
                "StreamShareSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // Tests by layer; scripts/test runs them all. TestSupport holds the fixtures, the CDX API
        // emulator harness and the subprocess helpers they share.
        .target(
            name: "TestSupport",
            dependencies: [
                "StreamShare",
                "StreamShareSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        // Unit: no sockets (models, configurations, exports, share files, redaction).
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "StreamShare", "RdKafka", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        // The verifier, the monitor and the CDX client against the sandbox (mock cluster, emulators on loopback).
        .testTarget(
            name: "SandboxTests",
            dependencies: [
                "StreamShare",
                "StreamShareSandbox",
                "RdKafka",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The cdx-verify binary (redeem, verify, watch) and the wire level (real TLS + SASL/PLAIN).
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "StreamShare",
                "StreamShareSandbox",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
