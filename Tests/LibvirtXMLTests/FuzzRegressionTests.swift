import LibvirtXML
import PatchbayModel
import Testing

/// Inputs the fuzzer found, kept so the bugs stay fixed.
@Suite struct FuzzRegressionTests {
    /// libvirt formats DHCP host names without escaping; a quote in one produced unreadable XML.
    @Test func quotesInHostAndPortgroupNamesAreEscaped() throws {
        let xml = """
            <network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
            <ip address='10.0.0.1' prefix='24'><dhcp><host mac='00:16:3e:77:e2:ed' name="a'b&amp;c" ip='10.0.0.5'/></dhcp></ip>
            <portgroup name="p'g"><virtualport><parameters profileid="x'y"/></virtualport></portgroup></network>
            """
        let formatted = NetworkXML.format(try NetworkXML.read(xml, level: .document).definition)
        #expect(formatted.contains("name='a&apos;b&amp;c'"))
        #expect(formatted.contains("<portgroup name='p&apos;g'>"))
        #expect(formatted.contains("profileid='x&apos;y'"))
        let again = try NetworkXML.read(formatted, level: .document)
        #expect(NetworkXML.format(again.definition) == formatted)
    }

    /// Control characters in a value were dropped by the writer, which turned two different
    /// interface names into duplicates on the way back. They are refused on input now.
    @Test func controlCharactersAreRefused() {
        let xml = "<network><name>n</name><forward mode='vepa'><interface dev='eth3'/><interface dev='e\u{1}th3'/></forward></network>"
        let error = #expect(throws: NetworkXMLError.self) { try NetworkXML.read(xml, level: .document) }
        #expect(error?.description == "line 1, column 85: malformed XML: invalid character U+0001 (control characters are not allowed in XML)")
        #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse("<a>\u{FFFE}</a>") }
    }

    /// `average='0'` limits nothing and formats to nothing; an empty <bandwidth> then vanished on
    /// the next round. Such a rate now reads as absent.
    @Test func zeroBandwidthIsAbsent() throws {
        let xml = "<network><name>n</name><bandwidth><inbound average='0'/></bandwidth></network>"
        let definition = try NetworkXML.read(xml, level: .document).definition
        #expect(definition.bandwidth == nil)
        #expect(!NetworkXML.format(definition).contains("bandwidth"))
    }
}
