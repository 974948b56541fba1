// swift-tools-version: 6.0
// Patchbay: virtual networking for KVM/QEMU hosts. See DESIGN.md for the layering rules:
// pure targets (PatchbayModel, LibvirtXML, NetlinkWire) depend on nothing that does I/O.
import Foundation
import PackageDescription

let strict: [SwiftSetting] = []

let package = Package(
    name: "Patchbay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "patchbayd", targets: ["patchbayd"]),
        .executable(name: "patchbay", targets: ["patchbay"]),
        .executable(name: "patchbay-bridge-helper", targets: ["patchbay-bridge-helper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // What Swift cannot say: ioctls for TUN/TAP, setns, kernel header constants.
        .target(name: "CPatchbay"),

        // Pure layers: no Glibc, no NIOPosix.
        .target(name: "PatchbayModel", swiftSettings: strict),
        .target(name: "LibvirtXML", dependencies: ["PatchbayModel"], swiftSettings: strict),
        .target(
            name: "NetlinkWire",
            dependencies: ["PatchbayModel", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),

        .target(name: "DHCPWire", dependencies: ["PatchbayModel"], swiftSettings: strict),
        .target(name: "DNSWire", dependencies: ["PatchbayModel"], swiftSettings: strict),
        .target(name: "NFTables", dependencies: ["PatchbayModel"], swiftSettings: strict),

        // I/O layers.
        .systemLibrary(name: "CNFTables", path: "Sources/CNFTables"),
        .target(
            name: "NFTablesKernel",
            dependencies: ["NFTables", "CNFTables", "PatchbayModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "Netlink",
            dependencies: ["NetlinkWire", "PatchbayModel", "CPatchbay",
                           .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .target(
            name: "PatchbayStore",
            dependencies: ["PatchbayModel", "LibvirtXML", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "DHCPServer",
            dependencies: ["DHCPWire", "PatchbayModel", "PatchbayStore", "CPatchbay", "Netlink",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "DNSServer",
            dependencies: ["DNSWire", "PatchbayModel",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "PatchbayEngine",
            dependencies: ["PatchbayModel", "LibvirtXML", "PatchbayStore", "Netlink", "NFTables",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "PatchbayAPI",
            dependencies: ["PatchbayModel", "PatchbayEngine",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")],
            exclude: ["openapi.json"],
            swiftSettings: strict),
        .target(
            name: "PatchbayClient",
            dependencies: ["PatchbayModel",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strict),
        .target(
            name: "PatchbayCommands",
            dependencies: ["PatchbayModel", "PatchbayClient",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "patchbayd",
            dependencies: ["PatchbayAPI", "PatchbayEngine", "PatchbayStore", "Netlink", "DHCPServer", "DNSServer", "NFTablesKernel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .executableTarget(name: "patchbay", dependencies: ["PatchbayCommands"], swiftSettings: strict),
        .executableTarget(
            name: "patchbay-bridge-helper", dependencies: ["PatchbayClient", "PatchbayModel", "CPatchbay"], swiftSettings: strict),

        // Test support: a network namespace per test, with or without a daemon inside.
        .target(
            name: "PatchbayTestSupport",
            dependencies: ["PatchbayModel"],
            path: "Tests/PatchbayTestSupport",
            swiftSettings: strict),

        .testTarget(name: "PatchbayModelTests", dependencies: ["PatchbayModel"], swiftSettings: strict),
        .testTarget(name: "LibvirtXMLTests", dependencies: ["LibvirtXML", "PatchbayModel"], swiftSettings: strict),
        .testTarget(
            name: "NetlinkWireTests",
            dependencies: ["NetlinkWire", "PatchbayModel", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .testTarget(
            name: "NetlinkTests",
            dependencies: ["Netlink", "NetlinkWire", "PatchbayModel", "PatchbayTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "DHCPWireTests", dependencies: ["DHCPWire", "PatchbayModel"], swiftSettings: strict),
        .testTarget(
            name: "DHCPServerTests",
            dependencies: ["DHCPServer", "DHCPWire", "PatchbayModel", "PatchbayStore", "LibvirtXML", "PatchbayTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire", "PatchbayModel"], swiftSettings: strict),
        .testTarget(name: "NFTablesTests", dependencies: ["NFTables", "LibvirtXML", "PatchbayModel"], swiftSettings: strict),
        .testTarget(
            name: "DNSServerTests",
            dependencies: ["DNSServer", "DNSWire", "PatchbayModel", "LibvirtXML"],
            swiftSettings: strict),
        .testTarget(
            name: "PatchbayStoreTests",
            dependencies: ["PatchbayStore", "PatchbayModel", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "PatchbayEngineTests",
            dependencies: ["PatchbayEngine", "PatchbayStore", "PatchbayModel", "LibvirtXML"],
            swiftSettings: strict),
        .testTarget(
            name: "PatchbayAPITests",
            dependencies: ["PatchbayAPI", "PatchbayEngine", "PatchbayStore", "PatchbayModel",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strict),
        .testTarget(
            name: "PatchbayIntegrationTests",
            dependencies: ["PatchbayTestSupport", "PatchbayModel"],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (libFuzzer) exist only when asked for, because they have no main of their own:
//   PATCHBAY_FUZZ=1 swift build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product FuzzNetworkXML
// `make fuzz-xml` runs it (see FUZZING.md).
if ProcessInfo.processInfo.environment["PATCHBAY_FUZZ"] != nil {
    package.products.append(.executable(name: "FuzzNetworkXML", targets: ["FuzzNetworkXML"]))
    package.targets.append(.executableTarget(name: "FuzzNetworkXML", dependencies: ["LibvirtXML", "PatchbayModel"],
                                             path: "Fuzz/FuzzNetworkXML"))
    package.products.append(.executable(name: "FuzzDHCPWire", targets: ["FuzzDHCPWire"]))
    package.targets.append(.executableTarget(name: "FuzzDHCPWire", dependencies: ["DHCPWire", "PatchbayModel"],
                                             path: "Fuzz/FuzzDHCPWire"))
    package.products.append(.executable(name: "FuzzNetlinkWire", targets: ["FuzzNetlinkWire"]))
    package.targets.append(.executableTarget(name: "FuzzNetlinkWire", dependencies: ["NetlinkWire", "PatchbayModel"],
                                             path: "Fuzz/FuzzNetlinkWire"))
    package.products.append(.executable(name: "FuzzLoopProbe", targets: ["FuzzLoopProbe"]))
    package.targets.append(.executableTarget(name: "FuzzLoopProbe", dependencies: ["PatchbayModel"],
                                             path: "Fuzz/FuzzLoopProbe"))
    package.products.append(.executable(name: "FuzzDNSWire", targets: ["FuzzDNSWire"]))
    package.targets.append(.executableTarget(name: "FuzzDNSWire", dependencies: ["DNSWire", "PatchbayModel"],
                                             path: "Fuzz/FuzzDNSWire"))
}
