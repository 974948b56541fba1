/// A cursor over a received message. Every read is checked against the end of the message, or,
/// inside a record's RDATA, against the end RDLENGTH gives; names follow compression pointers
/// under the rules in `name()`. Nothing here can trap on hostile input.
struct DNSReader {
    /// RFC 1035 §4.1.4 allows chains of pointers; a real name needs a handful, and a name has at
    /// most 127 labels, so more jumps than this are an attack (each costs a pass over the chain).
    static let maximumPointers = 128

    /// The message, borrowed for the length of one parse (a UDP server parses straight out of
    /// the buffer the datagram was read into).
    let bytes: UnsafeRawBufferPointer
    var offset: Int
    /// While reading RDATA: where it ends and where its RDLENGTH field sits (for errors).
    private var rdata: (end: Int, lengthOffset: Int)?

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var end: Int { rdata?.end ?? bytes.count }
    var atEnd: Bool { offset >= end }

    /// Reads RDATA of `length` bytes starting here with `body`, then insists it used exactly
    /// those bytes.
    mutating func withRDATA<T>(length: Int, lengthOffset: Int, type: DNSType,
                               _ body: (inout DNSReader) throws(DNSWireError) -> T) throws(DNSWireError) -> T {
        guard offset + length <= bytes.count else {
            throw DNSWireError(.truncated, "RDLENGTH \(length) but \(bytes.count - offset) bytes remain", offset: lengthOffset)
        }
        rdata = (offset + length, lengthOffset)
        defer { rdata = nil }
        let value = try body(&self)
        guard offset == end else {
            throw DNSWireError(.rdataLengthMismatch,
                               "\(type) RDATA ends at byte \(offset), RDLENGTH \(length) says \(end)", offset: lengthOffset)
        }
        return value
    }

    /// The error for a read at `at` that would pass `end`: the RDATA's, or the message's.
    private func overrun(_ what: String, at: Int) -> DNSWireError {
        if let rdata {
            DNSWireError(.rdataLengthMismatch, "\(what) at byte \(at) runs past the end of the RDATA (byte \(rdata.end))",
                         offset: rdata.lengthOffset)
        } else {
            DNSWireError(.truncated, "\(what) runs past the end of the message", offset: at)
        }
    }

    private mutating func take(_ count: Int, _ what: String) throws(DNSWireError) -> Range<Int> {
        guard count <= end - offset else { throw overrun(what, at: offset) }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func uint8(_ what: String) throws(DNSWireError) -> UInt8 {
        bytes[try take(1, what).lowerBound]
    }

    mutating func uint16(_ what: String) throws(DNSWireError) -> UInt16 {
        let range = try take(2, what)
        return UInt16(bytes[range.lowerBound]) << 8 | UInt16(bytes[range.lowerBound + 1])
    }

    mutating func uint32(_ what: String) throws(DNSWireError) -> UInt32 {
        let range = try take(4, what)
        let at = range.lowerBound
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    mutating func bytes(_ count: Int, _ what: String) throws(DNSWireError) -> [UInt8] {
        Array(bytes[try take(count, what)])
    }

    /// Steps over `count` bytes without reading them.
    mutating func skip(_ count: Int, _ what: String) throws(DNSWireError) {
        _ = try take(count, what)
    }

    mutating func rest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// A possibly compressed name (RFC 1035 §4.1.4). A pointer must lead strictly before the
    /// labels read since the last jump: that is what "a prior occurrence" means, it makes every
    /// jump go further back, so no loop can form, and `maximumPointers` bounds the work on top.
    /// The labels before the first pointer must lie within the current bound (the RDATA, inside a
    /// record); after a jump, anywhere earlier in the message.
    mutating func name() throws(DNSWireError) -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var position = offset
        var segmentStart = offset
        var bound = end
        var resume: Int?
        var jumps = 0

        while true {
            guard position < bound else {
                throw resume == nil ? overrun("name", at: position)
                                    : DNSWireError(.truncated, "name runs past the end of the message", offset: position)
            }
            let length = bytes[position]
            switch length >> 6 {
            case 0:
                if length == 0 {
                    offset = resume ?? position + 1
                    return DNSName(uncheckedLabels: labels)
                }
                let start = position + 1
                guard Int(length) <= bound - start else {
                    throw resume == nil ? overrun("label of \(length) bytes", at: position)
                                        : DNSWireError(.truncated, "label of \(length) bytes runs past the end of the message", offset: position)
                }
                guard wireLength + Int(length) + 1 <= DNSName.maximumWireLength else {
                    throw DNSWireError(.nameTooLong, "name is longer than 255 bytes in wire form", offset: position)
                }
                wireLength += Int(length) + 1
                labels.append(Array(bytes[start..<(start + Int(length))]))
                position = start + Int(length)
            case 3:
                guard position + 1 < bound else {
                    throw resume == nil ? overrun("compression pointer", at: position)
                                        : DNSWireError(.truncated, "compression pointer runs past the end of the message", offset: position)
                }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < bytes.count else {
                    throw DNSWireError(.pointerOutOfRange, "compression pointer to byte \(target) of a \(bytes.count)-byte message",
                                       offset: position)
                }
                guard target <= position else {
                    throw DNSWireError(.forwardPointer, "compression pointer to byte \(target), after itself", offset: position)
                }
                guard target < segmentStart else {
                    throw DNSWireError(.pointerLoop, "compression pointer to byte \(target) loops back into the name that led to it",
                                       offset: position)
                }
                jumps += 1
                guard jumps <= Self.maximumPointers else {
                    throw DNSWireError(.tooManyPointers, "more than \(Self.maximumPointers) compression pointers in one name",
                                       offset: position)
                }
                if resume == nil { resume = position + 2 }
                position = target
                segmentStart = target
                bound = bytes.count
            default:
                throw DNSWireError(.labelTooLong,
                                   "label length byte 0x\(String(length, radix: 16)) is neither a length up to 63 nor a pointer",
                                   offset: position)
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `DNSWireError` (the standard library's rethrows
    /// an untyped error).
    func withDNSBytes<T>(_ body: (UnsafeRawBufferPointer) throws(DNSWireError) -> T) throws(DNSWireError) -> T {
        try withUnsafeBytes { raw in Result { () throws(DNSWireError) in try body(raw) } }.get()
    }
}
