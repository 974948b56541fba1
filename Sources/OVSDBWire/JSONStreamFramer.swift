/// Splits the byte stream of an OVSDB connection into JSON values. ovsdb-server writes JSON-RPC
/// messages back to back with no delimiter or length (RFC 7047 §4 runs JSON-RPC over a plain
/// stream), and a read may end anywhere: inside a string, between a backslash and what it
/// escapes, in the middle of a UTF-8 sequence. The framer follows just enough of the grammar
/// (strings, escapes, brackets) to find where each top-level object or array ends, then hands
/// exactly those bytes to the strict `JSONParser`.
///
/// Each byte is scanned once however the stream is cut. A message may be at most
/// `limits.maximumBytes` long (the framer refuses it as soon as it grows past that, without
/// buffering the rest) and nest at most `limits.maximumDepth` deep. Any error is final: a stream
/// that was malformed once cannot be resynchronized, and every later call throws the same error,
/// so the connection must be closed.
public struct JSONStreamFramer: Sendable {
    public let limits: JSONLimits
    private var buffer: [UInt8] = []
    /// Index of the first byte not yet consumed (whitespace between messages is consumed).
    private var head = 0
    /// Index of the next byte to scan.
    private var scan = 0
    /// Where the message being scanned starts, nil between messages.
    private var messageStart: Int?
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Bytes of the stream that came before `buffer[0]`, for error offsets.
    private var discarded = 0
    private var failure: OVSDBWireError?

    public init(limits: JSONLimits = .default) {
        self.limits = limits
    }

    /// Bytes received but not yet returned as a value (a message still incomplete).
    public var bufferedByteCount: Int { buffer.count - head }

    /// Stream offset of the next byte to scan: how many bytes the framer has looked at.
    public var streamOffset: Int { discarded + scan }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete value, or nil until more bytes arrive.
    public mutating func next() throws(OVSDBWireError) -> JSONValue? {
        if let failure { throw failure }
        do throws(OVSDBWireError) {
            let value = try scanNext()
            if value == nil { compact() }
            return value
        } catch {
            failure = error
            throw error
        }
    }

    /// Every value complete so far.
    public mutating func drain() throws(OVSDBWireError) -> [JSONValue] {
        var values: [JSONValue] = []
        while let value = try next() { values.append(value) }
        return values
    }

    private mutating func scanNext() throws(OVSDBWireError) -> JSONValue? {
        while scan < buffer.count {
            let byte = buffer[scan]
            guard let start = messageStart else {
                switch byte {
                case 0x20, 0x09, 0x0A, 0x0D:
                    scan += 1
                    head = scan
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    messageStart = scan
                    depth = 1
                    scan += 1
                default:
                    throw OVSDBWireError(.syntax, "expected '{' or '[' to begin a message, found byte 0x\(String(byte, radix: 16, uppercase: true))",
                                         offset: discarded + scan)
                }
                continue
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth > limits.maximumDepth {
                        throw OVSDBWireError(.depthLimit, "arrays and objects nested more than \(limits.maximumDepth) deep",
                                             offset: discarded + scan)
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
            }
            scan += 1
            if scan - start > limits.maximumBytes {
                throw OVSDBWireError(.sizeLimit, "a message longer than \(limits.maximumBytes) bytes", offset: discarded + start)
            }
            if depth == 0 {
                messageStart = nil
                head = scan
                return try JSONParser.parse(buffer[start..<scan], limits: limits, baseOffset: discarded + start)
            }
        }
        return nil
    }

    /// Drops consumed bytes so the buffer holds only the message in progress.
    private mutating func compact() {
        guard head > 0 else { return }
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        } else {
            buffer.removeFirst(head)
        }
        discarded += head
        scan -= head
        if let start = messageStart { messageStart = start - head }
        head = 0
    }
}
