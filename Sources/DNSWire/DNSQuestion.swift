/// One entry of the question section (RFC 1035 §4.1.2).
public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible {
    /// RFC 1035 §4.1.2 QNAME.
    public var name: DNSName
    /// RFC 1035 §4.1.2 QTYPE: a record type, or ANY.
    public var type: DNSType
    /// RFC 1035 §4.1.2 QCLASS: IN in practice.
    public var `class`: DNSClass

    public init(name: DNSName, type: DNSType, class: DNSClass = .in) {
        self.name = name
        self.type = type
        self.class = `class`
    }

    public var description: String { "\(name) \(`class`) \(type)" }

    static func read(from reader: inout DNSReader) throws(DNSWireError) -> DNSQuestion {
        DNSQuestion(name: try reader.name(), type: DNSType(try reader.uint16("QTYPE")), class: DNSClass(try reader.uint16("QCLASS")))
    }

    func write(to writer: inout DNSWriter) {
        writer.name(name, compress: true)
        writer.uint16(type.rawValue)
        writer.uint16(`class`.rawValue)
    }
}
