import PatchbayModel

/// The options of a message, in arrival order, one entry per code. Equality ignores the order:
/// RFC 2132 gives it no meaning, and the encoder moves the message type to the front. On the wire an option longer than 255
/// bytes is split into several instances of the same code, and a receiver concatenates them
/// (RFC 3396 §5, §7); this type holds the concatenated value, so splitting is only an encoding
/// concern.
public struct DHCPOptions: Sendable, Hashable {
    public private(set) var entries: [(code: UInt8, value: [UInt8])] = []

    public init() {}

    public static func == (lhs: DHCPOptions, rhs: DHCPOptions) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.sortedEntries, rhs.sortedEntries).allSatisfy { $0.code == $1.code && $0.value == $1.value }
    }

    private var sortedEntries: [(code: UInt8, value: [UInt8])] { entries.sorted { $0.code < $1.code } }

    public func hash(into hasher: inout Hasher) {
        for entry in sortedEntries {
            hasher.combine(entry.code)
            hasher.combine(entry.value)
        }
    }

    public subscript(code: UInt8) -> [UInt8]? {
        get { entries.first { $0.code == code }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.code == code }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((code, newValue))
            }
        }
    }

    /// Appends to an existing value (RFC 3396 concatenation) or adds the option.
    mutating func concatenate(_ code: UInt8, _ value: ArraySlice<UInt8>) {
        if let index = entries.firstIndex(where: { $0.code == code }) {
            entries[index].value += value
        } else {
            entries.append((code, Array(value)))
        }
    }

    public var codes: [UInt8] { entries.map(\.code) }

    // MARK: - Typed access

    public var messageType: DHCPMessageType? {
        get { self[DHCPOptionCode.messageType].flatMap { $0.count == 1 ? DHCPMessageType(rawValue: $0[0]) : nil } }
        set { self[DHCPOptionCode.messageType] = newValue.map { [$0.rawValue] } }
    }

    public func address(_ code: UInt8) -> IPv4Address? {
        self[code].flatMap { $0.count == 4 ? IPv4Address(bytes: $0) : nil }
    }

    public mutating func setAddress(_ code: UInt8, _ address: IPv4Address?) {
        self[code] = address?.bytes
    }

    public func addresses(_ code: UInt8) -> [IPv4Address]? {
        guard let value = self[code], !value.isEmpty, value.count % 4 == 0 else { return nil }
        return stride(from: 0, to: value.count, by: 4).map { IPv4Address(bytes: value[$0..<($0 + 4)])! }
    }

    public mutating func setAddresses(_ code: UInt8, _ addresses: [IPv4Address]) {
        self[code] = addresses.isEmpty ? nil : addresses.flatMap(\.bytes)
    }

    public func uint32(_ code: UInt8) -> UInt32? {
        self[code].flatMap { $0.count == 4 ? $0.reduce(0) { $0 << 8 | UInt32($1) } : nil }
    }

    public mutating func setUInt32(_ code: UInt8, _ value: UInt32?) {
        self[code] = value.map { [UInt8($0 >> 24), UInt8($0 >> 16 & 0xFF), UInt8($0 >> 8 & 0xFF), UInt8($0 & 0xFF)] }
    }

    public func uint16(_ code: UInt8) -> UInt16? {
        self[code].flatMap { $0.count == 2 ? UInt16($0[0]) << 8 | UInt16($0[1]) : nil }
    }

    public mutating func setUInt16(_ code: UInt8, _ value: UInt16?) {
        self[code] = value.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// NVT ASCII options (host name, domain name, message): text as sent, trailing NULs removed
    /// (some clients terminate them although RFC 2132 says not to).
    public func string(_ code: UInt8) -> String? {
        self[code].map { value in
            var bytes = value[...]
            while bytes.last == 0 { bytes = bytes.dropLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    public mutating func setString(_ code: UInt8, _ value: String?) {
        self[code] = value.map { Array($0.utf8) }
    }

    /// Option 55: the codes a client asks for, in its order of preference.
    public var parameterRequestList: [UInt8] {
        self[DHCPOptionCode.parameterRequestList] ?? []
    }

    /// Option 61, or nil. Clients are told apart by it when present (RFC 2132 §9.14).
    public var clientIdentifier: [UInt8]? { self[DHCPOptionCode.clientIdentifier] }
}
