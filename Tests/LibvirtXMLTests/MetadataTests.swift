import LibvirtXML
import PatchbayModel
import Testing

/// `<metadata>` round-trips as libvirt writes it: the subtree as libxml2 serializes it
/// (virXMLFormatMetadata, src/util/virxml.c), after virNetworkDefParseXML's xmlCopyNode and
/// virXMLNodeSanitizeNamespaces, while libvirt's own elements around it keep single quotes.
@Suite struct MetadataTests {
    static func network(_ metadata: String, rootAttributes: String = "") -> String {
        """
        <network\(rootAttributes)>
          <name>meta</name>
          <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
          \(metadata)
          <bridge name='virbr3'/>
        </network>

        """
    }

    /// What libvirt writes: the metadata lines between its own, in its own quoting.
    static func dumped(_ metadata: String) -> String {
        """
        <network>
          <name>meta</name>
          <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
          \(metadata)
          <bridge name='virbr3' stp='on' delay='0'/>
        </network>

        """
    }

    static let cases: [(String, String, String, String)] = [
        ("double quotes, declarations first",
         "<metadata><app:info mode='fast' xmlns:app='http://example.org/app'/></metadata>",
         "",
         "<metadata>\n    <app:info xmlns:app=\"http://example.org/app\" mode=\"fast\"/>\n  </metadata>"),
        ("nested elements indented two spaces a level from where metadata stands",
         """
         <metadata>
             <app:conf xmlns:app="http://example.org/app">
                   <app:item   n='1'/>
               <app:item n="2"><app:deep/></app:item>
             </app:conf>
           </metadata>
         """,
         "",
         """
         <metadata>
             <app:conf xmlns:app="http://example.org/app">
               <app:item n="1"/>
               <app:item n="2">
                 <app:deep/>
               </app:item>
             </app:conf>
           </metadata>
         """),
        ("text switches formatting off inside its element",
         "<metadata><app:note xmlns:app='urn:app'>see <app:b>this</app:b> <app:i/> too</app:note></metadata>",
         "",
         "<metadata>\n    <app:note xmlns:app=\"urn:app\">see <app:b>this</app:b> <app:i/> too</app:note>\n  </metadata>"),
        ("libxml2's escapes: quotes and non-ASCII in attributes, only markup in text",
         "<metadata><app:x xmlns:app='urn:app' v='&lt;&amp;&quot;&apos;é&#9;'>&lt;&gt;&amp;\"'é</app:x></metadata>",
         "",
         "<metadata>\n    <app:x xmlns:app=\"urn:app\" v=\"&lt;&amp;&quot;'&#xE9;&#9;\">&lt;&gt;&amp;\"'é</app:x>\n  </metadata>"),
        ("children without a namespace, text and comments directly below metadata are dropped",
         "<metadata>loose text<!-- gone --><plain/><app:kept xmlns:app='urn:app'/></metadata>",
         "",
         "<metadata>\n    <app:kept xmlns:app=\"urn:app\"/>\n  </metadata>"),
        ("only the first child of each namespace URI stays",
         "<metadata><a:one xmlns:a='urn:x'/><b:two xmlns:b='urn:y'/><c:three xmlns:c='urn:x'/></metadata>",
         "",
         "<metadata>\n    <a:one xmlns:a=\"urn:x\"/>\n    <b:two xmlns:b=\"urn:y\"/>\n  </metadata>"),
        ("a namespace declared on <network> is declared on the copy's root",
         "<metadata><app:info app:flag='on'><app:sub/></app:info></metadata>",
         " xmlns:app='http://example.org/app'",
         "<metadata xmlns:app=\"http://example.org/app\">\n    <app:info app:flag=\"on\">\n      <app:sub/>\n    </app:info>\n  </metadata>"),
        ("a default namespace counts, and whitespace that is an element's only content is kept",
         "<metadata><info xmlns='urn:default'><pad>  </pad><empty></empty></info></metadata>",
         "",
         "<metadata>\n    <info xmlns=\"urn:default\">\n      <pad>  </pad>\n      <empty/>\n    </info>\n  </metadata>"),
        ("comments inside a child are kept on lines of their own",
         "<metadata><app:c xmlns:app='urn:app'>\n  <!-- why -->\n  <app:d/>\n</app:c></metadata>",
         "",
         "<metadata>\n    <app:c xmlns:app=\"urn:app\">\n      <!-- why -->\n      <app:d/>\n    </app:c>\n  </metadata>"),
        ("xml:space='preserve' keeps whitespace between elements",
         "<metadata><app:p xmlns:app='urn:app' xml:space='preserve'> <app:q/> </app:p></metadata>",
         "",
         "<metadata>\n    <app:p xmlns:app=\"urn:app\" xml:space=\"preserve\"> <app:q/> </app:p>\n  </metadata>"),
        ("CDATA sections and processing instructions are kept as they came",
         "<metadata><app:s xmlns:app='urn:app'><![CDATA[a<b & c]]></app:s><app:t xmlns:app='urn:t'><?render fast?><app:u/><?bare?></app:t><?top level?></metadata>",
         "",
         "<metadata>\n    <app:s xmlns:app=\"urn:app\"><![CDATA[a<b & c]]></app:s>\n    <app:t xmlns:app=\"urn:t\">\n      <?render fast?>\n      <app:u/>\n      <?bare?>\n    </app:t>\n  </metadata>"),
        ("an empty metadata stays",
         "<metadata>\n  \n</metadata>",
         "",
         "<metadata/>"),
    ]

    @Test(arguments: cases)
    func writtenAsLibxml2Does(_ name: String, _ metadata: String, _ rootAttributes: String, _ expected: String) throws {
        let parsed = try NetworkXML.read(Self.network(metadata, rootAttributes: rootAttributes))
        let formatted = NetworkXML.format(parsed.definition)
        #expect(formatted == Self.dumped(expected), "\(name)")
        // libvirt's output is a fixed point.
        let again = try NetworkXML.read(formatted)
        #expect(NetworkXML.format(again.definition) == formatted, "\(name)")
        #expect(again.definition.metadata == parsed.definition.metadata, "\(name)")
    }

    @Test func theWriterQuotesNamespaceURIsAsLibxml2Does() {
        #expect(LibXML2Writer.format(XMLElement(name: "a:x", attributes: [XMLAttribute(name: "xmlns:a", value: "urn:\"q\"")]), level: 0)
                    == "<a:x xmlns:a='urn:\"q\"'/>")
        #expect(LibXML2Writer.format(XMLElement(name: "a:x", attributes: [XMLAttribute(name: "xmlns:a", value: "urn:\"q'")]), level: 0)
                    == "<a:x xmlns:a=\"urn:&quot;q'\"/>")
    }

    /// libxml2 stops indenting at 30 levels (MAX_INDENT in xmlsave.c).
    @Test func indentationStopsGrowingAtThirtyLevels() {
        var element = XMLElement(name: "a:leaf")
        for _ in 0..<40 { element = XMLElement(name: "a:n", children: [.element(element)]) }
        let lines = LibXML2Writer.format(element, level: 0).split(separator: "\n")
        #expect(lines.map { $0.prefix { $0 == " " }.count }.max() == 60)
    }
}
