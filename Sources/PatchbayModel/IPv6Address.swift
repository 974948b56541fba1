/// An IPv6 address as 16 bytes in network order. Parsing and formatting follow RFC 4291 §2.2
/// and the canonical text form of RFC 5952 (lower case, longest zero run compressed), which is
/// also what libvirt and iproute2 print.
public struct IPv6Address: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var tailGroups: [UInt16] = []
        var sawDoubleColon = false
        var embeddedV4: IPv4Address?

        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        sawDoubleColon = halves.count == 2

        func parseGroups(_ part: Substring, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowV4Tail, piece.contains(".") {
                    guard let v4 = IPv4Address(piece) else { return nil }
                    embeddedV4 = v4
                    result.append(UInt16(v4.value >> 16))
                    result.append(UInt16(v4.value & 0xffff))
                    continue
                }
                guard (1...4).contains(piece.utf8.count), let group = UInt16(piece, radix: 16) else { return nil }
                result.append(group)
            }
            return result
        }

        if sawDoubleColon {
            guard let head = parseGroups(halves[0], allowV4Tail: false),
                  let tail = parseGroups(halves[1], allowV4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            groups = head
            tailGroups = tail
        } else {
            guard let all = parseGroups(halves[0], allowV4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        _ = embeddedV4
        let zeros = Array(repeating: UInt16(0), count: 8 - groups.count - tailGroups.count)
        let all = groups + zeros + tailGroups
        guard all.count == 8 else { return nil }
        bytes = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    var groups: [UInt16] {
        stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    public var description: String {
        let groups = self.groups
        // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                let length = i - runStart
                if length > bestLength && length >= 2 { bestStart = runStart; bestLength = length }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = IPv6Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an IPv6 address"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    /// Splits at "::" occurrences; used only by the IPv6 parser, which rejects more than one.
    fileprivate func components(separatedByDoubleColon _: Void) -> [Substring] {
        var parts: [Substring] = []
        var start = startIndex
        var index = startIndex
        while index < endIndex {
            let next = self.index(after: index)
            if self[index] == ":", next < endIndex, self[next] == ":" {
                parts.append(self[start..<index])
                start = self.index(after: next)
                index = start
                continue
            }
            index = next
        }
        parts.append(self[start..<endIndex])
        return parts
    }
}
