import Foundation
import LibvirtXML
import PatchbayModel
import Testing

@Suite struct XMLParsingTests {
    @Test func elementsAttributesTextCommentsAndPositions() throws {
        let root = try XMLTreeParser.parse("""
            <?xml version="1.0"?>
            <!-- leading comment -->
            <network ipv6="yes" xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
              <name>default</name>
              <!-- kept -->
              <bridge name = "virbr0"
                      stp='on'/>
              <dnsmasq:options/>
            </network>
            """)
        #expect(root.name == "network")
        #expect(root.position == SourcePosition(line: 3, column: 1))
        #expect(root.attribute("ipv6") == "yes")
        #expect(root.attributes.map(\.name) == ["ipv6", "xmlns:dnsmasq"])
        #expect(root.firstChild(named: "name")?.textContent == "default")
        #expect(root.firstChild(named: "name")?.position == SourcePosition(line: 4, column: 3))
        let bridge = try #require(root.firstChild(named: "bridge"))
        #expect(bridge.attribute("name") == "virbr0")
        #expect(bridge.attribute("stp") == "on")
        #expect(bridge.attributes[1].position == SourcePosition(line: 7, column: 11))
        #expect(root.firstChild(named: "dnsmasq:options") != nil)
        #expect(root.children.contains(.comment(" kept ")))
    }

    @Test func entitiesAndCharacterReferencesAreDecoded() throws {
        let root = try XMLTreeParser.parse("<a v='&lt;&gt;&amp;&apos;&quot;&#65;&#x42;'>x &amp; y&#x1F600;<![CDATA[<raw>&]]></a>")
        #expect(root.attribute("v") == "<>&'\"AB")
        #expect(root.textContent == "x & y😀<raw>&")
    }

    /// Kept as nodes of their own for foreign XML; to values they are text.
    @Test func cdataAndProcessingInstructionsAreNodes() throws {
        let root = try XMLTreeParser.parse("<a>x<![CDATA[<y>]]>z<?target  some data ?><?bare?><b/></a>")
        #expect(root.children == [.text("x"), .cdata("<y>"), .text("z"), .processingInstruction(target: "target", data: "some data "),
                                  .processingInstruction(target: "bare", data: nil), .element(XMLElement(name: "b"))])
        #expect(root.textContent == "x<y>z")
        let error = #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse("<a><? x?></a>") }
        #expect(error?.message == "processing instruction without a target")
    }

    @Test func attributeWhitespaceIsNormalised() throws {
        #expect(try XMLTreeParser.parse("<a v='1\t2\n3'/>").attribute("v") == "1 2 3")
    }

    @Test func columnsCountUnicodeScalars() throws {
        let root = try XMLTreeParser.parse("<a>é<b/></a>")
        #expect(root.firstChild(named: "b")?.position == SourcePosition(line: 1, column: 5))
    }

    @Test(arguments: [
        ("", "no root element", 1, 1),
        ("<a>", "unclosed element <a>", 1, 4),
        ("<a></b>", "mismatched closing tag </b>, expected </a>", 1, 4),
        ("<a>\n  <b>\n</a>", "mismatched closing tag </a>, expected </b>", 3, 1),
        ("<a x='1' x='2'/>", "duplicate attribute 'x' in <a>", 1, 10),
        ("<a x='<'/>", "'<' is not allowed in the value of attribute 'x'", 1, 7),
        ("<a x=1/>", "the value of attribute 'x' in <a> must be quoted", 1, 6),
        ("<a x/>", "attribute 'x' of <a> has no value", 1, 5),
        ("<a>&nbsp;</a>", "unknown entity '&nbsp;'", 1, 4),
        ("<a>&#0;</a>", "invalid character reference '&#0;'", 1, 4),
        ("<a>&#xD800;</a>", "invalid character reference '&#xD800;'", 1, 4),
        ("<a>&#x110000;</a>", "invalid character reference '&#x110000;'", 1, 4),
        ("<a>& b</a>", "unterminated entity reference", 1, 4),
        ("<!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>", "DOCTYPE declarations are not accepted (no DTDs or external entities)", 1, 1),
        ("<a/><b/>", "content after the root element", 1, 5),
        ("text<a/>", "text before the root element", 1, 1),
        ("<a><!-- x -- y --></a>", "'--' is not allowed inside a comment", 1, 11),
        ("<a><![CDATA[x</a>", "unterminated CDATA section", 1, 4),
        ("<a b='1'c='2'/>", "expected whitespace before an attribute in <a>", 1, 9),
        ("<1a/>", "expected a name", 1, 2),
        ("<a>]]></a>", "']]>' is not allowed in text", 1, 4),
    ])
    func rejectsWithMessageAndPosition(_ input: String, _ message: String, _ line: Int, _ column: Int) {
        let error = #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse(input) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no error")")
        #expect(error?.position == SourcePosition(line: line, column: column))
    }

    @Test func depthIsBounded() throws {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        let error = #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse(deep) }
        #expect(error?.message == "elements nested deeper than 256 levels")
        let fine = String(repeating: "<a>", count: 256) + String(repeating: "</a>", count: 256)
        _ = try XMLTreeParser.parse(fine)
    }

    @Test func sizeIsBounded() {
        let huge = "<a>" + String(repeating: "x", count: XMLTreeParser.maximumLength) + "</a>"
        let error = #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse(huge) }
        #expect(error?.message.contains("the limit is") == true)
    }

    @Test func everyConformanceInputParsesAndRoundTrips() throws {
        let directory = Conformance.root.appendingPathComponent("in")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".xml") }
        #expect(files.count >= 30)
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let tree = try XMLTreeParser.parse(text)
            let formatted = XMLWriter.format(tree)
            let again = try XMLTreeParser.parse(formatted)
            #expect(XMLWriter.format(again) == formatted, "\(file)")
            #expect(again.name == tree.name)
        }
    }
}

@Suite struct XMLWriterTests {
    @Test func libvirtLayout() throws {
        let tree = try XMLTreeParser.parse("""
            <network><name>n</name><bridge name="b" stp="on"/>
            <ip address="1.2.3.4"></ip><dns><host ip='1.2.3.5'><hostname>h</hostname></host></dns></network>
            """)
        #expect(XMLWriter.format(tree, keepOpen: { $0.name == "ip" }) == """
            <network>
              <name>n</name>
              <bridge name='b' stp='on'/>
              <ip address='1.2.3.4'>
              </ip>
              <dns>
                <host ip='1.2.3.5'>
                  <hostname>h</hostname>
                </host>
              </dns>
            </network>

            """)
    }

    @Test func escapingFollowsVirBufferEscapeString() {
        #expect(XMLWriter.escape("a<b>&'\"") == "a&lt;b&gt;&amp;&apos;&quot;")
        #expect(XMLWriter.escape("tab\there\nnl\u{1}\u{1f}") == "tab\there\nnl")
        #expect(XMLWriter.escape("ünïcødé") == "ünïcødé")
        let element = PatchbayModel.XMLElement(name: "d", attributes: [PatchbayModel.XMLAttribute(name: "v", value: "it's <x>")], children: [.text("a&b")])
        #expect(XMLWriter.format(element) == "<d v='it&apos;s &lt;x&gt;'>a&amp;b</d>\n")
    }

    @Test func commentsAreKept() throws {
        let tree = try XMLTreeParser.parse("<a><!-- note --><b/></a>")
        #expect(XMLWriter.format(tree) == "<a>\n  <!-- note -->\n  <b/>\n</a>\n")
    }

    /// B-M10: attribute names are checked with a set, and elements and attributes are capped, so
    /// a document of the maximum size cannot cost the square of its attributes.
    @Test func attributesAndElementsAreBounded() throws {
        let many = (0..<XMLTreeParser.maximumAttributesPerElement).map { "a\($0)='x'" }.joined(separator: " ")
        #expect(try XMLTreeParser.parse("<e \(many)/>").attributes.count == XMLTreeParser.maximumAttributesPerElement)
        let tooMany = #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse("<e \(many) b='y'/>") }
        #expect(tooMany?.description.contains("more than 256 attributes") == true)
        let elements = "<r>" + String(repeating: "<e/>", count: XMLTreeParser.maximumElements) + "</r>"
        let deep = #expect(throws: XMLSyntaxError.self) { try XMLTreeParser.parse(elements) }
        #expect(deep?.description.contains("more than \(XMLTreeParser.maximumElements) elements") == true)
        // About 4 MiB of elements with 200 attributes each (the old quadratic check made this
        // about 10^10 comparisons).
        let row = "<h " + (0..<200).map { "x\($0)='1'" }.joined(separator: " ") + "/>"
        let big = "<r>" + String(repeating: row, count: (XMLTreeParser.maximumLength - 16) / row.utf8.count) + "</r>"
        #expect(try XMLTreeParser.parse(big).children.count > 1000)
    }
}
