/// A DNS message (or a domain name in text) that is not what RFC 1035 says it must be. Servers
/// answer such queries with FORMERR or drop them; the error says what was wrong and where, so a
/// packet capture or a configuration file can be checked against it.
///
/// `offset` counts bytes from the start of the message for wire data, and UTF-8 bytes from the
/// start of the text for a name given as text.
public struct DNSWireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of damage, so callers and tests can match without reading the prose.
    public enum Reason: Sendable, Hashable {
        /// Fewer than the 12 bytes of the header (RFC 1035 §4.1.1).
        case truncatedHeader
        /// A field runs past the end of the message.
        case truncated
        /// A header count promises more entries than the message holds.
        case countExceedsData
        /// A label longer than 63 bytes; on the wire, a length byte whose top bits are 01 or 10
        /// (RFC 1035 §4.1.4 leaves those label types reserved; RFC 6891 §5 retired 01).
        case labelTooLong
        /// A name of more than 255 bytes in wire form (RFC 1035 §2.3.4).
        case nameTooLong
        /// An empty label in text, as in "a..b" or ".a" (only the root is empty).
        case emptyLabel
        /// A backslash in text not followed by a character or by three decimal digits ≤ 255
        /// (RFC 1035 §5.1).
        case invalidEscape
        /// A compression pointer to its own position or beyond (RFC 1035 §4.1.4 says "a prior
        /// occurrence").
        case forwardPointer
        /// A compression pointer back into the labels that led to it, which would loop.
        case pointerLoop
        /// A compression pointer past the end of the message.
        case pointerOutOfRange
        /// More compression pointers in one name than any valid name needs.
        case tooManyPointers
        /// RDATA whose content does not fill exactly the RDLENGTH bytes the record claims.
        case rdataLengthMismatch
        /// An OPT pseudo-record where RFC 6891 §6.1.1 forbids it: outside the additional
        /// section, a second one, or an owner other than the root.
        case invalidOPT
    }

    public var reason: Reason
    public var what: String
    public var offset: Int

    public init(_ reason: Reason, _ what: String, offset: Int) {
        self.reason = reason
        self.what = what
        self.offset = offset
    }

    public var description: String { "malformed DNS data at byte \(offset): \(what)" }
}
