import Foundation
import LibvirtXML
import PatchbayModel
import Testing

/// `<networkport>` as libvirt's virnetworkportxml2xmltest has it: every file of
/// ../shared/conformance/libvirt-network-port-xml parses and formats back byte for byte.
@Suite struct NetworkPortXMLTests {
    static let folder = Conformance.folder("libvirt-network-port-xml")

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".xml") }.sorted()
    }()

    static func text(_ file: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }

    @Test func theCasesAreThere() {
        #expect(Self.files.count >= 9)
    }

    @Test(arguments: files)
    func formatsByteForByte(_ file: String) throws {
        let text = try Self.text(file)
        let port = try NetworkPortXMLParser.parse(text)
        #expect(NetworkPortXMLFormatter.format(port) == text, "\(file)")
    }

    @Test func everyPartIsRead() throws {
        let port = try NetworkPortXMLParser.parse(try Self.text("plug-network.xml"))
        #expect(port.uuid == NetworkUUID("5d744f21-ba4a-4d6e-bdb2-30a35ff3207d"))
        #expect(port.ownerName == "memtest")
        #expect(port.ownerUUID == NetworkUUID("d54df46f-1ab5-4a22-8618-4560ef5fac2c"))
        #expect(port.group == "web1")
        #expect(port.mac == MACAddress("52:54:00:7b:35:93"))
        #expect(port.bandwidthClassID == 1729)
        #expect(port.bandwidth?.inbound == BandwidthRate(average: 1000, peak: 4000, burst: 1024, floor: 2000))
        #expect(port.vlan == VLANDefinition(trunk: true, tags: [VLANTag(id: 2), VLANTag(id: 1729)]))
        #expect(port.isolated == true)
        #expect(port.trustGuestRxFilters == true)
        #expect(port.plug == .network(bridge: "virbr0", macTableManager: nil))

        let pci = try NetworkPortXMLParser.parse(try Self.text("plug-hostdev-pci-unmanaged.xml"))
        #expect(pci.plug == .hostdevPCI(.init(address: PCIAddress(domain: 1, bus: 2, slot: 3, function: 4), managed: false)))
        let direct = try NetworkPortXMLParser.parse(try Self.text("plug-direct.xml"))
        #expect(direct.plug == .direct(dev: "ens3", mode: .vepa))
        #expect(direct.virtualPort?.type == .ieee8021Qbg)
        #expect(try NetworkPortXMLParser.parse(try Self.text("plug-none.xml")).plug == nil)
    }

    static func port(_ body: String, owner: String = "<owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>") -> String {
        "<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>\(owner)<mac address='52:54:00:7b:35:93'/>\(body)</networkport>"
    }

    /// What libvirt fills in or drops: a direct plug without a mode is vepa, a plug of type
    /// none is no plug, a driver on a PCI plug is written before the address.
    @Test(arguments: [
        ("<plug type='direct' dev='eth0'/>", "  <plug type='direct' dev='eth0' mode='vepa'/>\n"),
        ("<plug type='none'/>", ""),
        ("<plug type='bridge' bridge='br&amp;0' macTableManager='kernel'/>", "  <plug type='bridge' bridge='br&amp;0' macTableManager='kernel'/>\n"),
        ("<plug type='hostdev-pci'><address domain='0' bus='0x3' slot='0' function='1'/><driver name='vfio' model='mlx5_vfio_pci'/></plug>",
         "  <plug type='hostdev-pci'>\n    <driver name='vfio' model='mlx5_vfio_pci'/>\n    <address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>\n  </plug>\n"),
        ("<virtualport type='openvswitch'><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport><group></group>",
         "  <virtualport type='openvswitch'>\n    <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>\n  </virtualport>\n"),
    ])
    func normalisedAsLibvirtDoes(_ body: String, _ written: String) throws {
        let text = NetworkPortXMLFormatter.format(try NetworkPortXMLParser.parse(Self.port(body)))
        #expect(text == """
            <networkport>
              <uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>
              <owner>
                <name>vm</name>
                <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
              </owner>
              <mac address='52:54:00:7b:35:93'/>
            \(written)</networkport>

            """)
    }

    @Test(arguments: [
        ("<network/>", "unknown root element for network port: <network>", nil as String?),
        ("<networkport><owner><name>vm</name></owner></networkport>", "network port has no uuid", nil),
        (port("", owner: "<owner><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>"), "network port has no owner name", nil),
        (port("", owner: "<owner><name></name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>"), "network port has no owner name", nil),
        (port("", owner: "<owner><name>vm</name></owner>"), "network port has no owner UUID", nil),
        ("<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner></networkport>",
         "network port has no mac", "address"),
        (port("<plug type='tap'/>"), "expected one of 'none', 'network', 'bridge', 'direct', 'hostdev-pci'", "type"),
        (port("<plug type='network'/>"), "missing network port bridge name", "bridge"),
        (port("<plug type='bridge' bridge='br0' macTableManager='default'/>"), "expected one of 'kernel', 'libvirt'", "macTableManager"),
        (port("<plug type='direct'/>"), "missing network port link device name", "dev"),
        (port("<plug type='direct' dev='eth0' mode='default'/>"), "expected one of 'vepa', 'private', 'bridge', 'passthrough'", "mode"),
        (port("<plug type='hostdev-pci' managed='yes'/>"), "missing network port PCI address", nil),
        (port("<plug type='hostdev-pci' managed='maybe'><address domain='0' bus='0' slot='0' function='0'/></plug>"), "expected 'yes' or 'no'", "managed"),
        (port("<bandwidth><outbound average='10' floor='5'/></bandwidth>"), "the floor attribute is not supported for this config", "floor"),
        (port("<rxfilters trustGuest='sure'/>"), "expected 'yes' or 'no'", "trustGuest"),
    ])
    func refusedWithWhatIsWrong(_ text: String, _ message: String, _ attribute: String?) {
        let error = #expect(throws: NetworkXMLError.self) { try NetworkPortXMLParser.parse(text) }
        #expect(error?.message == message)
        #expect(error?.attribute == attribute)
        #expect(error?.element != nil)
    }
}
