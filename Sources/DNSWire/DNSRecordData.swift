import PatchbayModel

/// A record's RDATA, typed for what a guest-facing server answers and forwards; anything else
/// is kept verbatim (RFC 3597), so a forwarded answer loses nothing.
public enum DNSRecordData: Sendable, Hashable {
    /// RFC 1035 §3.4.1 A: a 32-bit IPv4 address.
    case a(IPv4Address)
    /// RFC 3596 §2.2 AAAA: a 128-bit IPv6 address.
    case aaaa(IPv6Address)
    /// RFC 1035 §3.3.11 NS: a name server for the owner's zone.
    case ns(DNSName)
    /// RFC 1035 §3.3.1 CNAME: the canonical name of an alias.
    case cname(DNSName)
    /// RFC 1035 §3.3.12 PTR: the name an address maps back to.
    case ptr(DNSName)
    /// RFC 1035 §3.3.9 MX.
    case mx(DNSMXData)
    /// RFC 1035 §3.3.13 SOA.
    case soa(DNSSOAData)
    /// RFC 2782 SRV.
    case srv(DNSSRVData)
    /// RFC 1035 §3.3.14 TXT: one or more character-strings (RFC 1035 §3.3), each at most 255
    /// bytes. A longer string is written as several; `text(_:)` builds one from any text.
    case txt([[UInt8]])
    /// RFC 6891 §6.1.2 OPT RDATA: the EDNS options. The rest of the pseudo-record lives in the
    /// record's CLASS and TTL fields; `EDNS` reads them.
    case opt([EDNSOption])
    /// Any other type, or a known type with empty RDATA (RFC 2136 §2.5 uses empty RDATA with
    /// every type to delete RRsets), kept byte for byte (RFC 3597 §3).
    case unknown(DNSType, [UInt8])

    /// RFC 1035 §3.3: a character-string is a length byte and up to 255 bytes.
    public static let maximumCharacterStringLength = 255

    public var type: DNSType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .ptr: .ptr
        case .mx: .mx
        case .soa: .soa
        case .srv: .srv
        case .txt: .txt
        case .opt: .opt
        case .unknown(let type, _): type
        }
    }

    /// TXT RDATA for `bytes`, cut into 255-byte character-strings (RFC 1035 §3.3.14 allows
    /// several; RFC 7208 §3.3 says readers join them without separators). Empty text is one
    /// empty string, since TXT needs at least one.
    public static func text(bytes: [UInt8]) -> DNSRecordData {
        .txt(splitCharacterStrings(bytes))
    }

    /// TXT RDATA for UTF-8 `text`; see `text(bytes:)`.
    public static func text(_ text: String) -> DNSRecordData { .text(bytes: Array(text.utf8)) }

    /// A TXT record's strings joined, as a reader of SPF or DKIM does; nil for other types.
    public var textBytes: [UInt8]? {
        if case .txt(let strings) = self { Array(strings.joined()) } else { nil }
    }

    static func splitCharacterStrings(_ bytes: [UInt8]) -> [[UInt8]] {
        if bytes.isEmpty { return [[]] }
        return stride(from: 0, to: bytes.count, by: maximumCharacterStringLength).map {
            Array(bytes[$0..<min($0 + maximumCharacterStringLength, bytes.count)])
        }
    }

    // MARK: Wire form

    /// Reads RDATA of `type` filling the reader's current RDATA bounds.
    static func read(type: DNSType, from reader: inout DNSReader) throws(DNSWireError) -> DNSRecordData {
        if reader.atEnd && type != .opt { return .unknown(type, []) }
        switch type {
        case .a:
            return .a(IPv4Address(try reader.uint32("A address")))
        case .aaaa:
            return .aaaa(IPv6Address(bytes: try reader.bytes(16, "AAAA address"))!)
        case .ns:
            return .ns(try reader.name())
        case .cname:
            return .cname(try reader.name())
        case .ptr:
            return .ptr(try reader.name())
        case .mx:
            return .mx(DNSMXData(preference: try reader.uint16("MX preference"), exchange: try reader.name()))
        case .soa:
            return .soa(DNSSOAData(primary: try reader.name(), responsible: try reader.name(),
                                   serial: try reader.uint32("SOA serial"), refresh: try reader.uint32("SOA refresh"),
                                   retry: try reader.uint32("SOA retry"), expire: try reader.uint32("SOA expire"),
                                   minimum: try reader.uint32("SOA minimum")))
        case .srv:
            return .srv(DNSSRVData(priority: try reader.uint16("SRV priority"), weight: try reader.uint16("SRV weight"),
                                   port: try reader.uint16("SRV port"), target: try reader.name()))
        case .txt:
            var strings: [[UInt8]] = []
            while !reader.atEnd {
                let length = Int(try reader.uint8("TXT string length"))
                strings.append(try reader.bytes(length, "TXT string of \(length) bytes"))
            }
            return .txt(strings)
        case .opt:
            var options: [EDNSOption] = []
            while !reader.atEnd {
                let code = try reader.uint16("EDNS option code")
                let length = Int(try reader.uint16("EDNS option length"))
                options.append(EDNSOption(code: code, data: try reader.bytes(length, "EDNS option \(code) of \(length) bytes")))
            }
            return .opt(options)
        default:
            return .unknown(type, reader.rest())
        }
    }

    /// The largest RDATA this can encode to (names uncompressed): what decides whether it fits
    /// the 16-bit RDLENGTH at all.
    var maximumEncodedLength: Int {
        switch self {
        case .a: 4
        case .aaaa: 16
        case .ns(let name), .cname(let name), .ptr(let name): name.wireLength
        case .mx(let mx): 2 + mx.exchange.wireLength
        case .soa(let soa): soa.primary.wireLength + soa.responsible.wireLength + 20
        case .srv(let srv): 6 + srv.target.wireLength
        case .txt(let strings):
            max(1, strings.reduce(0) { $0 + Self.splitCharacterStrings($1).reduce(0) { $0 + 1 + $1.count } })
        case .opt(let options): options.reduce(0) { $0 + 4 + $1.data.count }
        case .unknown(_, let bytes): bytes.count
        }
    }

    /// Writes the RDATA. Names compress where RFC 3597 §4 allows it: in the RFC 1035 types (NS,
    /// CNAME, PTR, MX, SOA), never in SRV (RFC 2782).
    func write(to writer: inout DNSWriter) {
        switch self {
        case .a(let address):
            writer.append(address.bytes)
        case .aaaa(let address):
            writer.append(address.bytes)
        case .ns(let name), .cname(let name), .ptr(let name):
            writer.name(name, compress: true)
        case .mx(let mx):
            writer.uint16(mx.preference)
            writer.name(mx.exchange, compress: true)
        case .soa(let soa):
            writer.name(soa.primary, compress: true)
            writer.name(soa.responsible, compress: true)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.uint32(value) }
        case .srv(let srv):
            writer.uint16(srv.priority)
            writer.uint16(srv.weight)
            writer.uint16(srv.port)
            writer.name(srv.target, compress: false)
        case .txt(let strings):
            // RFC 1035 §3.3.14 wants at least one string; a longer one is split, not cut.
            let pieces = strings.isEmpty ? [[]] : strings.flatMap(Self.splitCharacterStrings)
            for piece in pieces {
                writer.uint8(UInt8(piece.count))
                writer.append(piece)
            }
        case .opt(let options):
            for option in options {
                writer.uint16(option.code)
                writer.uint16(UInt16(option.data.count))
                writer.append(option.data)
            }
        case .unknown(_, let bytes):
            writer.append(bytes)
        }
    }
}
