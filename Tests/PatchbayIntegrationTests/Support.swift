import Foundation
import PatchbayTestSupport
import Testing

enum Conformance {
    static var root: URL {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.deletingLastPathComponent().appendingPathComponent("shared/conformance/libvirt-network-xml")
    }

    static func path(_ name: String) -> String { root.appendingPathComponent("in/\(name).xml").path }
}

extension DaemonHarness {
    /// Writes `xml` to a file in the daemon's directory and returns its path.
    func file(_ name: String, _ xml: String) throws -> String {
        let path = directory + "/" + name
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the CLI and records a test issue (with the daemon's log) unless it exits 0.
    @discardableResult
    func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try cli(arguments)
        #expect(result.status == 0, "patchbay \(arguments.joined(separator: " ")): \(result)\n--- daemon log ---\n\(logs)",
                sourceLocation: sourceLocation)
        return result.stdout
    }

    /// `net-list --all --json`, decoded.
    func networks() throws -> [[String: Any]] {
        let text = try ok(["net-list", "--all", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
    }

    func network(_ name: String) throws -> [String: Any]? {
        try networks().first { $0["name"] as? String == name }
    }
}
