/// The fixed 12-byte header of every DNS message (RFC 1035 §4.1.1):
///
///     ID | QR Opcode AA TC RD RA Z AD CD RCODE | QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT
///
/// Inside a `DNSMessage` the counts always equal the lengths of its sections; they are fields
/// here so the header can be read and written on its own.
public struct DNSHeader: Sendable, Hashable {
    public static let length = 12

    /// RFC 1035 §4.1.1 ID: chosen by the client, copied into the response.
    public var id: UInt16
    /// RFC 1035 §4.1.1 QR: a response rather than a query.
    public var isResponse: Bool
    /// RFC 1035 §4.1.1 OPCODE (four bits).
    public var opcode: DNSOpcode
    /// RFC 1035 §4.1.1 AA: the answer comes from a server authoritative for the name.
    public var isAuthoritative: Bool
    /// RFC 1035 §4.1.1 TC: the message was cut to fit; the client should retry over TCP.
    public var isTruncated: Bool
    /// RFC 1035 §4.1.1 RD: the client wants recursion; copied into the response.
    public var recursionDesired: Bool
    /// RFC 1035 §4.1.1 RA: the server offers recursion.
    public var recursionAvailable: Bool
    /// RFC 1035 §4.1.1 Z: the last reserved bit (0x0040), zero in every conforming message;
    /// kept so a message reads back bit for bit.
    public var z: Bool
    /// RFC 4035 §3.2.3 AD: the data was validated (and, in a query, RFC 6840 §5.7: the client
    /// understands the bit).
    public var authenticData: Bool
    /// RFC 4035 §3.2.2 CD: the client does its own DNSSEC validation; copied into the response.
    public var checkingDisabled: Bool
    /// RFC 1035 §4.1.1 RCODE: the low four bits of the response code (see
    /// `DNSMessage.responseCode` for the EDNS-extended value).
    public var rcode: DNSResponseCode
    /// RFC 1035 §4.1.1 QDCOUNT: entries in the question section.
    public var questionCount: UInt16
    /// RFC 1035 §4.1.1 ANCOUNT: records in the answer section.
    public var answerCount: UInt16
    /// RFC 1035 §4.1.1 NSCOUNT: records in the authority section.
    public var authorityCount: UInt16
    /// RFC 1035 §4.1.1 ARCOUNT: records in the additional section (OPT included).
    public var additionalCount: UInt16

    public init(id: UInt16 = 0, isResponse: Bool = false, opcode: DNSOpcode = .query, isAuthoritative: Bool = false,
                isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
                z: Bool = false, authenticData: Bool = false, checkingDisabled: Bool = false,
                rcode: DNSResponseCode = .noError, questionCount: UInt16 = 0, answerCount: UInt16 = 0,
                authorityCount: UInt16 = 0, additionalCount: UInt16 = 0) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.z = z
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.rcode = rcode
        self.questionCount = questionCount
        self.answerCount = answerCount
        self.authorityCount = authorityCount
        self.additionalCount = additionalCount
    }

    /// The second 16-bit word: QR(15) OPCODE(14-11) AA(10) TC(9) RD(8) RA(7) Z(6) AD(5) CD(4)
    /// RCODE(3-0). Opcode and rcode are cut to their four bits.
    public var flags: UInt16 {
        get {
            var word = UInt16(opcode.rawValue & 0x0F) << 11 | rcode.rawValue & 0x000F
            if isResponse { word |= 0x8000 }
            if isAuthoritative { word |= 0x0400 }
            if isTruncated { word |= 0x0200 }
            if recursionDesired { word |= 0x0100 }
            if recursionAvailable { word |= 0x0080 }
            if z { word |= 0x0040 }
            if authenticData { word |= 0x0020 }
            if checkingDisabled { word |= 0x0010 }
            return word
        }
        set {
            isResponse = newValue & 0x8000 != 0
            opcode = DNSOpcode(UInt8(newValue >> 11 & 0x0F))
            isAuthoritative = newValue & 0x0400 != 0
            isTruncated = newValue & 0x0200 != 0
            recursionDesired = newValue & 0x0100 != 0
            recursionAvailable = newValue & 0x0080 != 0
            z = newValue & 0x0040 != 0
            authenticData = newValue & 0x0020 != 0
            checkingDisabled = newValue & 0x0010 != 0
            rcode = DNSResponseCode(newValue & 0x000F)
        }
    }

    /// Reads the header at the start of `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(DNSWireError) -> DNSHeader {
        try bytes.withDNSBytes { (raw) throws(DNSWireError) in try parse(raw) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(DNSWireError) -> DNSHeader {
        guard bytes.count >= length else {
            throw DNSWireError(.truncatedHeader, "\(bytes.count) bytes is shorter than the 12-byte header", offset: 0)
        }
        func word(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        var header = DNSHeader(id: word(0), questionCount: word(4), answerCount: word(6),
                               authorityCount: word(8), additionalCount: word(10))
        header.flags = word(2)
        return header
    }

    /// The 12 bytes in network order.
    public func encoded() -> [UInt8] {
        [id, flags, questionCount, answerCount, authorityCount, additionalCount].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
