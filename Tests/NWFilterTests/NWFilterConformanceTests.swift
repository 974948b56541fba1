import Foundation
import LibvirtXML
import NWFilter
import PatchbayModel
import Testing

/// libvirt's nwfilterxml2xml cases (../shared/conformance/libvirt-nwfilter-xml): every `ok`
/// case formats byte for byte as libvirt 11 does, every `parse-error` case is refused with a
/// message that names the attribute and the value; and the 24 filters libvirt ships parse and
/// round-trip.
@Suite struct NWFilterConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var expect: String
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard let manifest = try? String(contentsOf: Conformance.folder("libvirt-nwfilter-xml").appendingPathComponent("MANIFEST.tsv"),
                                         encoding: .utf8) else { return [] }
        return manifest.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 2 else { return nil }
            return Case(name: fields[0], expect: fields[1])
        }
    }()

    static func text(_ directory: String, _ name: String) throws -> String {
        try String(contentsOf: Conformance.folder("libvirt-nwfilter-xml").appendingPathComponent("\(directory)/\(name).xml"),
                   encoding: .utf8)
    }

    static let builtins: [String] = {
        let folder = Conformance.folder("libvirt-nwfilter-builtin")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }()

    @Test func theDataIsThere() {
        #expect(Self.cases.count >= 34)
        #expect(Self.builtins.count == 24)
    }

    @Test(arguments: cases.filter { $0.expect == "ok" })
    func formatsByteForByte(_ testCase: Case) throws {
        let parsed = try NWFilterXMLParser.parse(try Self.text("in", testCase.name))
        let expected = try Self.text("out", testCase.name)
        let formatted = NWFilterXMLFormatter.format(parsed)
        #expect(formatted == expected, "\(testCase.name):\n\(formatted)")
        let again = try NWFilterXMLParser.parse(expected)
        #expect(again == parsed)
        #expect(NWFilterXMLFormatter.format(again) == expected)
    }

    @Test(arguments: cases.filter { $0.expect == "parse-error" })
    func isRejected(_ testCase: Case) throws {
        let error = #expect(throws: NetworkXMLError.self) {
            try NWFilterXMLParser.parse(try Self.text("in", testCase.name))
        }
        #expect(error?.attribute != nil && error?.value != nil, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test(arguments: builtins)
    func builtinFilterRoundTrips(_ name: String) throws {
        let text = try String(contentsOf: Conformance.folder("libvirt-nwfilter-builtin").appendingPathComponent("\(name).xml"),
                              encoding: .utf8)
        let parsed = try NWFilterXMLParser.parse(text)
        #expect(parsed.name == name)
        let formatted = NWFilterXMLFormatter.format(parsed)
        let again = try NWFilterXMLParser.parse(formatted)
        #expect(again.name == parsed.name && again.chain == parsed.chain && again.chainPriority == parsed.chainPriority)
        #expect(again.entries == parsed.entries)
        #expect(NWFilterXMLFormatter.format(again) == formatted)
    }

    @Test func rejectionsSayWhatAndWhere() throws {
        let mac = #expect(throws: NetworkXMLError.self) { try NWFilterXMLParser.parse(try Self.text("in", "mac-test-invalid")) }
        #expect(mac?.description == "line 17, column 6: <mac> attribute 'protocolid' value '15': an EtherType must be at least 0x600 or one of arp, rarp, ipv4, ipv6, vlan")
        let dscp = #expect(throws: NetworkXMLError.self) { try NWFilterXMLParser.parse(try Self.text("in", "comment-test-invalid")) }
        #expect(dscp?.attribute == "dscp" && dscp?.value == "0x40")
    }
}

enum Conformance {
    /// One of the data sets in ../shared/conformance, beside the package root.
    static func folder(_ name: String) -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.deletingLastPathComponent().appendingPathComponent("shared/conformance/\(name)")
    }
}
