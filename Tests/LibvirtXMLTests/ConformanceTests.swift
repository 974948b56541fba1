import Foundation
import LibvirtXML
import PatchbayModel
import Testing

/// libvirt's own networkxml2xml cases (../shared/conformance): every `ok` case formats byte for
/// byte as libvirt does, every `parse-error` case is refused with a message.
@Suite struct ConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var expect: String
        var inactive: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard let manifest = try? String(contentsOf: Conformance.root.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        return manifest.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 3 else { return nil }
            return Case(name: fields[0], expect: fields[1], inactive: fields[2].split(separator: ",").contains("inactive"))
        }
    }()

    static func text(_ directory: String, _ name: String) throws -> String {
        try String(contentsOf: Conformance.root.appendingPathComponent("\(directory)/\(name).xml"), encoding: .utf8)
    }

    @Test func theManifestIsThere() {
        #expect(Self.cases.count >= 33)
    }

    @Test(arguments: cases.filter { $0.expect == "ok" })
    func formatsByteForByte(_ testCase: Case) throws {
        let parsed = try NetworkXML.read(try Self.text("in", testCase.name), level: .document)
        let expected = try Self.text("out", testCase.name)
        let formatted = NetworkXML.format(parsed.definition, inactive: testCase.inactive)
        #expect(formatted == expected, "\(testCase.name):\n\(formatted)")
        // And libvirt's output is itself a fixed point.
        let again = try NetworkXML.read(expected, level: .document)
        #expect(NetworkXML.format(again.definition, inactive: testCase.inactive) == expected)
    }

    @Test(arguments: cases.filter { $0.expect == "parse-error" })
    func isRejected(_ testCase: Case) throws {
        let error = #expect(throws: NetworkXMLError.self) {
            try NetworkXML.read(try Self.text("in", testCase.name), level: .document)
        }
        #expect(error.map { !$0.message.isEmpty } == true)
    }

    @Test func rejectionsSayWhatAndWhere() throws {
        let dns = #expect(throws: NetworkXMLError.self) {
            try NetworkXML.read(try Self.text("in", "routed-network-no-dns-extra-elements"), level: .document)
        }
        #expect(dns?.description == "line 7, column 3: <dns>: extra data in disabled network 'local': a <dns enable='no'> element cannot have forwarders, hosts, srv or txt records")
        let pci = #expect(throws: NetworkXMLError.self) {
            try NetworkXML.read(try Self.text("in", "hostdev-duplicate"), level: .document)
        }
        #expect(pci?.description == "line 8, column 5: <address>: PCI device '0000:03:00.3' can only be listed once")
    }
}

enum Conformance {
    static var root: URL { folder("libvirt-network-xml") }

    /// One of the data sets in ../shared/conformance, beside the package root.
    static func folder(_ name: String) -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.deletingLastPathComponent().appendingPathComponent("shared/conformance/\(name)")
    }
}
