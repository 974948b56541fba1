import Foundation
import LibvirtXML
import NWFilter
import PatchbayModel
import Testing

/// libvirt's virnwfilterbindingxml2xml cases, and the refusals a binding needs.
@Suite struct NWFilterBindingTests {
    @Test(arguments: ["simple", "filter-vars"])
    func formatsByteForByte(_ name: String) throws {
        let text = try String(contentsOf: Conformance.folder("libvirt-nwfilter-binding-xml").appendingPathComponent("\(name).xml"),
                              encoding: .utf8)
        let binding = try NWFilterBindingXML.parse(text)
        #expect(NWFilterBindingXML.format(binding) == text)
        #expect(binding.portDevice == "vnet0" && binding.filter.filter == "clean-traffic")
    }

    @Test func parametersAreListsSortedByName() throws {
        let binding = try NWFilterBindingXML.parse("""
            <filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>
            <portdev name='vnet3'/><linkdev name='eth0'/><mac address='52:54:00:7B:35:93'/>
            <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.2'/><parameter name='DHCPSERVER' value='10.0.0.1'/>
            <parameter name='IP' value='10.0.0.3'/></filterref></filterbinding>
            """)
        #expect(binding.filter.parameters["IP"] == ["10.0.0.2", "10.0.0.3"])
        #expect(NWFilterBindingXML.format(binding) == """
            <filterbinding>
              <owner>
                <name>vm</name>
                <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
              </owner>
              <portdev name='vnet3'/>
              <linkdev name='eth0'/>
              <mac address='52:54:00:7b:35:93'/>
              <filterref filter='clean-traffic'>
                <parameter name='DHCPSERVER' value='10.0.0.1'/>
                <parameter name='IP' value='10.0.0.2'/>
                <parameter name='IP' value='10.0.0.3'/>
              </filterref>
            </filterbinding>

            """)
    }

    @Test(arguments: [
        ("<filterbinding><portdev name='vnet0'/></filterbinding>", "owner"),
        ("<filterbinding><owner><name>vm</name><uuid>nope</uuid></owner></filterbinding>", "uuid"),
        ("<filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='a/b'/></filterbinding>", "portdev"),
        ("<filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='v'/><mac address='zz'/></filterbinding>", "mac"),
        ("<filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='v'/><mac address='52:54:00:00:00:01'/></filterbinding>", "filterref"),
        ("<filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='v'/><mac address='52:54:00:00:00:01'/><filterref filter='x'><parameter name='IP' value='1.2.3.4/8'/></filterref></filterbinding>", "parameter"),
    ])
    func refusesWhatLibvirtRefuses(_ xml: String, _ element: String) {
        let error = #expect(throws: NetworkXMLError.self) { try NWFilterBindingXML.parse(xml) }
        #expect(error?.element == element, "\(error.map(String.init(describing:)) ?? "")")
    }
}
