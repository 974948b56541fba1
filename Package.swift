// swift-tools-version: 6.0
// Patchbay: virtual networking for KVM/QEMU hosts. See DESIGN.md for the layering rules: pure
// targets depend on nothing that does I/O, and the engine depends on protocols only.
import Foundation
import PackageDescription

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
        // Hummingbird's own lifecycle, named so event streams and captures end at a graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // What Swift cannot say: ioctls for TUN/TAP, setns, socket filters, kernel header constants.
        .target(name: "CPatchbay"),

        // Pure layers: no Glibc, no Foundation, no NIOPosix (scripts/check-layers.sh holds them to it).
        .target(name: "PatchbayModel"),
        .target(name: "LibvirtXML", dependencies: ["PatchbayModel"]),
        // libvirt's network filter language: filters, bindings, variables.
        .target(name: "NWFilter", dependencies: ["PatchbayModel", "LibvirtXML"]),
        .target(name: "NetlinkWire", dependencies: ["PatchbayModel", .product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "DHCPWire", dependencies: ["PatchbayModel"]),
        .target(name: "DNSWire", dependencies: ["PatchbayModel"]),
        .target(name: "NFTables", dependencies: ["PatchbayModel"]),
        .target(name: "OVSDBWire", dependencies: ["PatchbayModel"]),
        // Store protocols and the in-memory store; logic over protocols (the engine, the loop
        // guard's decisions).
        .target(name: "PatchbayStore", dependencies: ["PatchbayModel"]),
        .target(
            name: "PatchbayEngine",
            dependencies: ["PatchbayModel", "LibvirtXML", "NWFilter", "PatchbayStore", "NFTables", .product(name: "Logging", package: "swift-log")]),
        .target(name: "LoopGuard", dependencies: ["PatchbayModel", .product(name: "Logging", package: "swift-log")]),

        // I/O layers.
        .target(name: "PatchbayIO"),
        .target(
            name: "OVSDBClient",
            dependencies: ["OVSDBWire", "PatchbayEngine", "PatchbayModel", "PatchbayIO", .product(name: "Logging", package: "swift-log")]),
        .systemLibrary(name: "CNFTables", path: "Sources/CNFTables"),
        .target(
            name: "NFTablesKernel",
            dependencies: ["NFTables", "NWFilter", "CNFTables", "PatchbayModel", "PatchbayIO", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "Netlink",
            dependencies: ["NetlinkWire", "PatchbayModel", "CPatchbay", .product(name: "NIOCore", package: "swift-nio")]),
        // libpcap's filter compiler (Debian libpcap-dev), for `patchbay capture`.
        .systemLibrary(name: "CPcap", path: "Sources/CPcap"),
        .target(
            name: "PatchbayKernel",
            dependencies: ["DHCPWire", "PatchbayEngine", "LoopGuard", "Netlink", "NetlinkWire", "NWFilter", "PatchbayIO", "PatchbayModel", "CPcap",
                           .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "PatchbayStoreSQLite",
            dependencies: ["PatchbayModel", "PatchbayStore", "LibvirtXML", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "DHCPServer",
            dependencies: ["DHCPWire", "PatchbayModel", "PatchbayStore", "CPatchbay", "Netlink",
                           .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "DNSServer",
            dependencies: ["DNSWire", "PatchbayModel",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "PatchbayAPI",
            dependencies: ["PatchbayModel", "PatchbayEngine", "LibvirtXML",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            exclude: ["openapi.json"]),
        .target(
            name: "PatchbayClient",
            dependencies: ["PatchbayModel", "CPatchbay"]),
        .target(
            name: "PatchbayCommands",
            dependencies: ["PatchbayModel", "PatchbayClient",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "patchbayd",
            dependencies: ["PatchbayAPI", "PatchbayEngine", "PatchbayKernel", "PatchbayStoreSQLite", "Netlink", "DHCPServer",
                           "DNSServer", "NFTablesKernel", "NWFilter", "LoopGuard", "CPatchbay", "OVSDBClient", "PatchbayIO",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "patchbay", dependencies: ["PatchbayCommands"]),
        .executableTarget(name: "patchbay-bridge-helper", dependencies: ["PatchbayModel", "CPatchbay"]),

        // Test support: a network namespace per test, with or without a daemon inside.
        .target(name: "PatchbayTestSupport", dependencies: ["PatchbayModel"], path: "Tests/PatchbayTestSupport"),

        .testTarget(name: "PatchbayModelTests", dependencies: ["PatchbayModel"]),
        .testTarget(name: "PatchbayClientTests", dependencies: ["PatchbayClient", "PatchbayModel"]),
        .testTarget(name: "LibvirtXMLTests", dependencies: ["LibvirtXML", "PatchbayModel"]),
        .testTarget(name: "NWFilterTests", dependencies: ["NWFilter", "LibvirtXML", "PatchbayModel"]),
        .testTarget(
            name: "NetlinkWireTests",
            dependencies: ["NetlinkWire", "PatchbayModel", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "NetlinkWire", "PatchbayModel", "PatchbayTestSupport", "PatchbayKernel", "PatchbayEngine"]),
        .testTarget(name: "DHCPWireTests", dependencies: ["DHCPWire", "PatchbayModel"]),
        .testTarget(
            name: "DHCPServerTests",
            dependencies: ["DHCPServer", "DHCPWire", "PatchbayModel", "PatchbayStore", "LibvirtXML", "PatchbayTestSupport"]),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire", "PatchbayModel"]),
        .testTarget(name: "NFTablesTests", dependencies: ["NFTables", "LibvirtXML", "PatchbayModel"]),
        .testTarget(name: "DNSServerTests", dependencies: ["DNSServer", "DNSWire", "PatchbayModel", "LibvirtXML",
                                                           .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "PatchbayStoreTests",
            dependencies: ["PatchbayStore", "PatchbayStoreSQLite", "PatchbayModel", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PatchbayEngineTests", dependencies: ["PatchbayEngine", "PatchbayStore", "PatchbayModel", "LibvirtXML", "NFTables"]),
        .testTarget(name: "LoopGuardTests", dependencies: ["LoopGuard", "PatchbayModel"]),
        .testTarget(
            name: "PatchbayAPITests",
            dependencies: ["PatchbayAPI", "PatchbayEngine", "PatchbayStore", "PatchbayModel", "NFTables",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "OVSDBWireTests", dependencies: ["OVSDBWire", "PatchbayModel"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "OVSDBClientTests",
            dependencies: ["OVSDBClient", "OVSDBWire", "PatchbayEngine", "PatchbayModel", "PatchbayTestSupport",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PatchbayIntegrationTests", dependencies: ["PatchbayTestSupport", "PatchbayModel"], exclude: ["schemathesis.toml"]),
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
    package.products.append(.executable(name: "FuzzDHCPFrame", targets: ["FuzzDHCPFrame"]))
    package.targets.append(.executableTarget(name: "FuzzDHCPFrame", dependencies: ["DHCPWire", "PatchbayModel"],
                                             path: "Fuzz/FuzzDHCPFrame"))
    package.products.append(.executable(name: "FuzzHelperACL", targets: ["FuzzHelperACL"]))
    package.targets.append(.executableTarget(name: "FuzzHelperACL", dependencies: ["PatchbayModel"],
                                             path: "Fuzz/FuzzHelperACL"))
    package.products.append(.executable(name: "FuzzHTTPReply", targets: ["FuzzHTTPReply"]))
    package.targets.append(.executableTarget(name: "FuzzHTTPReply", dependencies: ["PatchbayClient"],
                                             path: "Fuzz/FuzzHTTPReply"))
    package.products.append(.executable(name: "FuzzDNSWire", targets: ["FuzzDNSWire"]))
    package.targets.append(.executableTarget(name: "FuzzDNSWire", dependencies: ["DNSWire", "PatchbayModel"],
                                             path: "Fuzz/FuzzDNSWire"))
}

// Issue 13: the SR-IOV (sysfs, VF netlink) and bridge VLAN kernel adapters, against simulated
// sysfs trees and throw-away namespaces.
package.targets.append(.testTarget(name: "PatchbayKernelTests",
                                   dependencies: ["PatchbayKernel", "PatchbayEngine", "Netlink", "NetlinkWire", "PatchbayModel", "PatchbayTestSupport"]))
if ProcessInfo.processInfo.environment["PATCHBAY_FUZZ"] != nil {
    package.products.append(.executable(name: "FuzzVFInfo", targets: ["FuzzVFInfo"]))
    package.targets.append(.executableTarget(name: "FuzzVFInfo", dependencies: ["NetlinkWire", "PatchbayModel"], path: "Fuzz/FuzzVFInfo"))
}

// Issue 14: the OVSDB client's readers (framer, JSON-RPC, table-updates, rows).
if ProcessInfo.processInfo.environment["PATCHBAY_FUZZ"] != nil {
    package.products.append(.executable(name: "FuzzOVSDBWire", targets: ["FuzzOVSDBWire"]))
    package.targets.append(.executableTarget(name: "FuzzOVSDBWire", dependencies: ["OVSDBWire", "PatchbayModel"], path: "Fuzz/FuzzOVSDBWire",
                                             exclude: ["seeds"]))
}

// Issue 15: the nwfilter language's readers (filters and bindings).
if ProcessInfo.processInfo.environment["PATCHBAY_FUZZ"] != nil {
    package.products.append(.executable(name: "FuzzNWFilterXML", targets: ["FuzzNWFilterXML"]))
    package.targets.append(.executableTarget(name: "FuzzNWFilterXML", dependencies: ["NWFilter", "PatchbayModel"],
                                             path: "Fuzz/FuzzNWFilterXML"))
}

// Issue 15: the reader of guests' frames that learns their addresses (CTRL_IP_LEARNING=any).
if ProcessInfo.processInfo.environment["PATCHBAY_FUZZ"] != nil {
    package.products.append(.executable(name: "FuzzTrafficLearning", targets: ["FuzzTrafficLearning"]))
    package.targets.append(.executableTarget(name: "FuzzTrafficLearning", dependencies: ["NWFilter", "PatchbayModel"],
                                             path: "Fuzz/FuzzTrafficLearning", exclude: ["seeds"]))
}
