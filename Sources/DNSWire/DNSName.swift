/// A domain name as its labels, most specific first (RFC 1035 §3.1); the root has none.
///
/// Labels are bytes, not text: DNS is 8-bit clean (RFC 2181 §11), so a label may hold a dot or
/// any other byte, and `description` escapes those as a master file would (RFC 1035 §5.1).
/// Case is kept as given, because resolvers that randomise it (DNS 0x20) expect their question
/// back verbatim, but equality and hashing ignore ASCII case, as RFC 4343 §3 requires.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// RFC 1035 §2.3.4: labels are 63 octets or less.
    public static let maximumLabelLength = 63
    /// RFC 1035 §2.3.4: names are 255 octets or less, counted in wire form (length bytes and
    /// the root's zero byte included).
    public static let maximumWireLength = 255

    public static let root = DNSName(uncheckedLabels: [])

    public private(set) var labels: [[UInt8]]

    init(uncheckedLabels: [[UInt8]]) { labels = uncheckedLabels }

    /// A name from labels that are checked against the RFC 1035 §2.3.4 limits. An error's offset
    /// is where the offending label would start in wire form.
    public init(labels: [[UInt8]]) throws(DNSWireError) {
        var wireLength = 1
        for (index, label) in labels.enumerated() {
            guard !label.isEmpty else {
                throw DNSWireError(.emptyLabel, "label \(index) is empty", offset: wireLength - 1)
            }
            guard label.count <= Self.maximumLabelLength else {
                throw DNSWireError(.labelTooLong, "label \(index) is \(label.count) bytes; the limit is 63", offset: wireLength - 1)
            }
            guard wireLength + label.count + 1 <= Self.maximumWireLength else {
                throw DNSWireError(.nameTooLong, "name is longer than 255 bytes in wire form", offset: wireLength - 1)
            }
            wireLength += label.count + 1
        }
        self.labels = labels
    }

    /// Parses presentation form: labels separated by dots, a trailing dot optional ("." alone is
    /// the root), `\X` for a literal character and `\DDD` for a byte in decimal (RFC 1035 §5.1).
    /// An error's offset counts UTF-8 bytes into `text`.
    public init(_ text: some StringProtocol) throws(DNSWireError) {
        let bytes = Array(text.utf8)
        if bytes == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var labelStart = 0
        var wireLength = 1
        var index = 0

        func finishLabel() throws(DNSWireError) {
            guard wireLength + current.count + 1 <= Self.maximumWireLength else {
                throw DNSWireError(.nameTooLong, "name is longer than 255 bytes in wire form", offset: labelStart)
            }
            wireLength += current.count + 1
            labels.append(current)
            current = []
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard !current.isEmpty else {
                    throw DNSWireError(.emptyLabel, "empty label (only the root name is empty)", offset: index)
                }
                try finishLabel()
                index += 1
                labelStart = index
                continue
            }
            var value = byte
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else {
                    throw DNSWireError(.invalidEscape, "a backslash ends the name", offset: index)
                }
                let next = bytes[index + 1]
                if isDigit(next) {
                    guard index + 3 < bytes.count, isDigit(bytes[index + 2]), isDigit(bytes[index + 3]) else {
                        throw DNSWireError(.invalidEscape, "\\DDD needs exactly three decimal digits", offset: index)
                    }
                    let decimal = Int(next - 48) * 100 + Int(bytes[index + 2] - 48) * 10 + Int(bytes[index + 3] - 48)
                    guard decimal <= 255 else {
                        throw DNSWireError(.invalidEscape, "\\\(decimal) is not a byte", offset: index)
                    }
                    value = UInt8(decimal)
                    index += 4
                } else {
                    value = next
                    index += 2
                }
            } else {
                index += 1
            }
            current.append(value)
            guard current.count <= Self.maximumLabelLength else {
                throw DNSWireError(.labelTooLong, "label is longer than 63 bytes", offset: labelStart)
            }
        }
        if current.isEmpty {
            // Either "" or a trailing dot after at least one label; only the latter is a name.
            guard !labels.isEmpty else { throw DNSWireError(.emptyLabel, "empty name (the root is \".\")", offset: 0) }
        } else {
            try finishLabel()
        }
        self.labels = labels
    }

    /// Bytes in wire form without compression: a length byte per label plus the root's zero.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    public var isRoot: Bool { labels.isEmpty }

    /// Presentation form without the trailing dot ("." for the root). Dots and backslashes inside
    /// a label are escaped with a backslash, and bytes outside printable ASCII as `\DDD`, so
    /// `DNSName(name.description)` gives the name back byte for byte.
    public var description: String {
        if labels.isEmpty { return "." }
        var out: [UInt8] = []
        for (index, label) in labels.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ".")) }
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    out += [UInt8(ascii: "\\"), byte]
                case 0x21...0x7E:
                    out.append(byte)
                default:
                    out += [UInt8(ascii: "\\"), 48 + byte / 100, 48 + byte / 10 % 10, 48 + byte % 10]
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether this name is `other` or lies below it ("a.example.com" is in "example.com"), the
    /// question an authoritative server asks before answering for a zone.
    public func isSubdomain(of other: DNSName) -> Bool {
        guard labels.count >= other.labels.count else { return false }
        return zip(labels.suffix(other.labels.count), other.labels).allSatisfy { labelsEqual($0, $1) }
    }

    /// This name followed by `suffix` ("host" + "example.com"), checked against the length limit.
    public func appending(_ suffix: DNSName) throws(DNSWireError) -> DNSName {
        try DNSName(labels: labels + suffix.labels)
    }

    // RFC 4343 §3: only ASCII letters compare without regard to case.
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.labels.count == rhs.labels.count && zip(lhs.labels, rhs.labels).allSatisfy { labelsEqual($0, $1) }
    }

    /// The name in lowercase wire form, fed to the hasher in one piece (byte by byte was a
    /// visible share of answering a query: every lookup in a zone or cache hashes its name).
    public func hash(into hasher: inout Hasher) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maximumWireLength) { buffer in
            var count = 0
            for label in labels where count + label.count + 1 <= buffer.count {
                buffer[count] = UInt8(truncatingIfNeeded: label.count)
                count += 1
                for byte in label {
                    buffer[count] = asciiLowercased(byte)
                    count += 1
                }
            }
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[..<count]))
        }
    }
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}

func labelsEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { asciiLowercased($0) == asciiLowercased($1) }
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
