// swift-tools-version:6.0
import PackageDescription

// Same strictness as the library: Swift 6 language mode (strict concurrency), internal imports by
// default and explicit `any` for existentials.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "cdx-verify-examples",
    platforms: [.macOS(.v14)],
    dependencies: [
        // The library itself, from this repository. In your own package use the repository URL instead.
        .package(name: "cdx-verify", path: "../"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "preflight-consumer",
            dependencies: [
                .product(name: "StreamShare", package: "cdx-verify"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "health-check",
            dependencies: [
                .product(name: "StreamShare", package: "cdx-verify"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "export-config",
            dependencies: [
                .product(name: "StreamShare", package: "cdx-verify"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
