import LibvirtXML
import PatchbayModel
import Testing

/// `<forward><driver name model/>`, virDeviceHostdevPCIDriverInfoParseXML and
/// virDeviceHostdevPCIDriverInfoFormat (src/conf/device_conf.c, libvirt 10.0 and later).
@Suite struct HostdevDriverTests {
    static func network(_ driver: String) -> String {
        """
        <network>
          <name>hostdev</name>
          <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
          <forward mode='hostdev' managed='yes'>
            \(driver)
            <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>
          </forward>
        </network>

        """
    }

    static func formatted(_ driver: String) -> String {
        """
        <network>
          <name>hostdev</name>
          <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
          <forward mode='hostdev' managed='yes'>
        \(driver.isEmpty ? "" : "    " + driver + "\n")    <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>
          </forward>
        </network>

        """
    }

    @Test(arguments: [
        ("<driver name='vfio'/>", "vfio", nil, "<driver name='vfio'/>"),
        ("<driver name='vfio' model='mlx5_vfio_pci'/>", "vfio", "mlx5_vfio_pci", "<driver name='vfio' model='mlx5_vfio_pci'/>"),
        ("<driver model='vfio_pci'/>", nil, "vfio_pci", "<driver model='vfio_pci'/>"),
        ("<driver name='xen'/>", "xen", nil, "<driver name='xen'/>"),
        ("<driver model='a&amp;b'/>", nil, "a&b", "<driver model='a&amp;b'/>"),
        ("<driver/>", nil, nil, ""),
    ] as [(String, String?, String?, String)])
    func nameAndModelAreKeptAndWrittenBack(_ driver: String, _ name: String?, _ model: String?, _ written: String) throws {
        let parsed = try NetworkXML.read(Self.network(driver))
        #expect(parsed.definition.forward.driverName == name)
        #expect(parsed.definition.forward.driverModel == model)
        let text = NetworkXML.format(parsed.definition)
        #expect(text == Self.formatted(written))
        #expect(try NetworkXML.read(text).definition == parsed.definition)
    }

    /// The model alone keeps `<forward>` open: libvirt's shortforward test ignores it and would
    /// write the driver after a self-closed `<forward/>`.
    @Test func aModelWithoutPoolStillFormatsWellFormed() throws {
        var def = NetworkDefinition(name: "n", uuid: NetworkUUID("81ff0d90-c91e-6742-64da-4a736edb9a9b")!)
        def.forward.mode = .hostdev
        def.forward.driverModel = "vfio_pci"
        let text = NetworkXML.format(def)
        #expect(text.contains("  <forward mode='hostdev' managed='no'>\n    <driver model='vfio_pci'/>\n  </forward>\n"))
        #expect(try NetworkXML.read(text, level: .document).definition == def)
    }

    /// VIR_XML_PROP_NONZERO: the enum's 'default' is not a value one may write.
    @Test(arguments: ["default", "pci-stub", "VFIO", ""])
    func unknownNamesAreRefused(_ name: String) {
        let error = #expect(throws: NetworkXMLError.self) { try NetworkXML.read(Self.network("<driver name='\(name)'/>")) }
        #expect(error?.element == "driver")
        #expect(error?.attribute == "name")
        #expect(error?.value == name)
        #expect(error?.message == "unknown driver name; expected 'kvm', 'vfio' or 'xen'")
    }
}
