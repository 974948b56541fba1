import Foundation

/// libvirt's own test data, read from ../shared/conformance next to the project.
enum Conformance {
    static var root: URL {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.deletingLastPathComponent().appendingPathComponent("shared/conformance/libvirt-network-xml")
    }

    static func input(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("in/\(name).xml"), encoding: .utf8)
    }
}
