import Foundation
import LibvirtXML
import PatchbayModel
import Testing

@Suite struct NetworkXMLReaderTests {
    func read(_ name: String) throws -> NetworkXMLReader.Document {
        try NetworkXMLReader.parse(try String(contentsOf: Conformance.root.appendingPathComponent("in/\(name).xml"), encoding: .utf8))
    }

    @Test func isolatedNetwork() throws {
        let document = try read("isolated-network")
        #expect(document.name == "private")
        #expect(document.uuid == NetworkUUID("81ff0d90-c91e-6742-64da-4a736edb9a9b"))
        #expect(document.forwardMode == .none)
        #expect(document.bridgeName == "virbr2")
        #expect(document.stp && document.delay == 0)
        #expect(document.mac == MACAddress("52:54:00:17:3f:37"))
        #expect(document.addresses == [InterfaceAddress("192.168.152.1/24")!])
        #expect(!document.needsBridgeName)
    }

    @Test func natNetworkAddressesIncludingClassfulDefault() throws {
        let document = try read("nat-network")
        #expect(document.forwardMode == .nat)
        #expect(document.addresses.map(\.description) == [
            "192.168.122.1/24", "192.168.123.1/24", "2001:db8:ac10:fe01::1/64", "2001:db8:ac10:fd01::1/64", "10.24.10.1/8",
        ])
    }

    @Test func everyConformanceOKCaseIsReadable() throws {
        let manifest = try String(contentsOf: Conformance.root.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        for line in manifest.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t")
            guard fields.count >= 2, fields[1] == "ok" else { continue }
            #expect(throws: Never.self, "\(fields[0])") { _ = try read(String(fields[0])) }
        }
    }

    @Test func completeFillsWhatLibvirtFillsAtDefine() throws {
        let document = try NetworkXMLReader.parse("<network>\n  <name>n</name>\n  <ip address='10.1.0.1' prefix='16'/>\n</network>\n")
        #expect(document.needsBridgeName)
        let uuid = NetworkUUID("11111111-2222-3333-4444-555555555555")!
        let definition = NetworkXMLReader.complete(document, uuid: uuid, bridgeName: "virbr7", mac: MACAddress("52:54:00:aa:bb:cc"))
        #expect(definition.xml == """
            <network>
              <name>n</name>
              <uuid>11111111-2222-3333-4444-555555555555</uuid>
              <bridge name='virbr7' stp='on' delay='0'/>
              <mac address='52:54:00:aa:bb:cc'/>
              <ip address='10.1.0.1' prefix='16'>
              </ip>
            </network>

            """)
        #expect(definition.bridge == BridgeSettings(name: "virbr7", stp: true, delay: 0))
        // What the document has is kept.
        let given = NetworkXMLReader.complete(try read("isolated-network"), uuid: uuid, bridgeName: "virbr7", mac: MACAddress("52:54:00:aa:bb:cc"))
        #expect(given.uuid == NetworkUUID("81ff0d90-c91e-6742-64da-4a736edb9a9b"))
        #expect(given.bridge?.name == "virbr2")
        #expect(given.mac == MACAddress("52:54:00:17:3f:37"))
        #expect(given.xml.contains("<mac address='52:54:00:17:3f:37'/>"))
    }

    @Test(arguments: [
        ("<network><name>x</name><ip address='10.0.0.1' netmask='255.255.255.0' prefix='24'/></network>", "netmask and prefix cannot both be given"),
        ("<network><name>x</name><ip family='ipv6' address='10.0.0.1'/></network>", "address does not match family 'ipv6'"),
        ("<network><name>x</name><ip address='2001:db8::1' netmask='255.255.255.0'/></network>", "netmask is only valid for IPv4"),
        ("<network><name>x</name><ip address='10.0.0.1' prefix='33'/></network>", "expected a prefix length from 0 to 32"),
        ("<network><name>x</name><ip/></network>", "<ip> attribute 'address': missing address"),
        ("<network><name>x</name><mtu size='20'/></network>", "<mtu> attribute 'size' value '20'"),
        ("<network><name>x</name><bridge name='a b'/></network>", "invalid bridge name"),
        ("<network><name>x</name><uuid>nope</uuid></network>", "<uuid> value 'nope': malformed UUID"),
        ("<network><name></name></network>", "network name must not be empty"),
    ])
    func rejects(_ xml: String, _ message: String) {
        let error = #expect(throws: NetworkXMLError.self) { try NetworkXMLReader.parse(xml) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
    }

    @Test func errorsCarryTheLine() {
        let error = #expect(throws: NetworkXMLError.self) {
            try NetworkXMLReader.parse("<network>\n  <name>x</name>\n  <bridge stp='yes'/>\n</network>")
        }
        #expect(error?.description == "line 3, column 3: <bridge> attribute 'stp' value 'yes': expected 'on' or 'off'")
    }
}
