import PatchbayModel

/// An attribute's value as read: a literal of the attribute's kind, or a variable to be
/// filled in when the filter is instantiated on a port.
public enum NWFilterValue: Sendable, Hashable, Codable {
    case variable(NWFilterVariableAccess)
    /// A number, and whether it was written in hexadecimal (libvirt writes it back the same way).
    case number(UInt32, hex: Bool)
    case mac(MACAddress)
    case ipv4(IPv4Address)
    case ipv6(IPv6Address)
    /// A mask, held as its prefix length whichever way it was written (libvirt formats masks
    /// in CIDR form).
    case prefixLength(UInt8)
    case boolean(Bool)
    case text(String)
    case connectionStates(NWFilterConnectionStates)
    case tcpFlags(mask: NWFilterTCPFlags, set: NWFilterTCPFlags)
    /// ipset's flags: for each dimension of the set, whether it is matched against the source.
    case ipsetFlags([NWFilterIPSetDirection])
}

public enum NWFilterIPSetDirection: String, Sendable, Hashable, Codable {
    case src, dst
}

/// `state='NEW,ESTABLISHED'`: the connection-tracking states a rule matches. `NONE` turns
/// state matching off for the rule.
public struct NWFilterConnectionStates: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let new = Self(rawValue: 1 << 0)
    public static let established = Self(rawValue: 1 << 1)
    public static let related = Self(rawValue: 1 << 2)
    public static let invalid = Self(rawValue: 1 << 3)
    public static let none = Self(rawValue: 1 << 4)

    /// stateMatchMap, in the order libvirt prints it.
    static let names: [(Self, String)] = [(.new, "NEW"), (.established, "ESTABLISHED"), (.related, "RELATED"),
                                          (.invalid, "INVALID"), (.none, "NONE")]
}

/// TCP header flags as `flags='SYN,ACK/SYN'` names them (tcpFlags in nwfilter_conf.c).
public struct NWFilterTCPFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x3F }

    public static let fin = Self(rawValue: 0x01)
    public static let syn = Self(rawValue: 0x02)
    public static let rst = Self(rawValue: 0x04)
    public static let psh = Self(rawValue: 0x08)
    public static let ack = Self(rawValue: 0x10)
    public static let urg = Self(rawValue: 0x20)
    public static let all = Self(rawValue: 0x3F)

    static let names: [(UInt8, String)] = [(0x01, "FIN"), (0x02, "SYN"), (0x04, "RST"), (0x08, "PSH"), (0x10, "ACK"),
                                           (0x20, "URG"), (0x3F, "ALL"), (0x00, "NONE")]
}

/// `$NAME` (the same as `$NAME[@0]`), `$NAME[@N]` (iterator N) or `$NAME[N]` (element N):
/// nwfilter_params.c's virNWFilterVarAccess.
public struct NWFilterVariableAccess: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var access: Access

    public enum Access: Sendable, Hashable, Codable {
        /// Walks the list; rules with the same iterator id take list elements in step, different
        /// ids give every combination.
        case iterator(UInt32)
        /// One fixed element of the list.
        case element(UInt32)
    }

    /// VIR_NWFILTER_MAX_ITERID.
    public static let maximumIteratorID: UInt32 = 1000

    public init(name: String, access: Access = .iterator(0)) {
        self.name = name
        self.access = access
    }

    /// The text after `$`. Spaces are allowed inside the brackets, as libvirt allows them.
    public static func parse(_ text: String) -> Result<NWFilterVariableAccess, NWFilterVariableError> {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
        let name = String(decoding: bytes[0..<i], as: UTF8.self)
        guard !name.isEmpty else { return .failure(.malformed(text)) }
        if i == bytes.count { return .success(NWFilterVariableAccess(name: name)) }
        guard bytes[i] == UInt8(ascii: "[") else { return .failure(.malformed(text)) }
        i += 1
        func skipSpaces() { while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 } }
        skipSpaces()
        var iterator = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "@") { iterator = true; i += 1 }
        let digitsStart = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        guard i > digitsStart, i - digitsStart <= 9,
              let number = UInt32(String(decoding: bytes[digitsStart..<i], as: UTF8.self)) else {
            return .failure(iterator ? .malformedIterator(text) : .malformedIndex(text))
        }
        skipSpaces()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "]") else {
            return .failure(iterator ? .malformedIterator(text) : .malformedIndex(text))
        }
        i += 1
        // libvirt stops reading at ']'; blanks after it (libvirt's own iter3 case has them) are
        // allowed, anything else is a typo worth saying.
        skipSpaces()
        guard i == bytes.count else { return .failure(.malformed(text)) }
        if iterator {
            guard number <= maximumIteratorID else { return .failure(.iteratorTooLarge(text)) }
            return .success(NWFilterVariableAccess(name: name, access: .iterator(number)))
        }
        return .success(NWFilterVariableAccess(name: name, access: .element(number)))
    }

    /// virNWFilterVarAccessPrint: iterator 0 is written as the bare name.
    public var description: String {
        switch access {
        case .iterator(0): name
        case .iterator(let id): "\(name)[@\(id)]"
        case .element(let index): "\(name)[\(index)]"
        }
    }

    /// VALID_VARNAME.
    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isNameByte)
    }
}

public enum NWFilterVariableError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case malformedIndex(String)
    case malformedIterator(String)
    case iteratorTooLarge(String)

    public var description: String {
        switch self {
        case .malformed(let t): "'$\(t)' is not a variable reference ($NAME, $NAME[@ITERATOR] or $NAME[INDEX])"
        case .malformedIndex(let t): "'$\(t)' has a malformed array index"
        case .malformedIterator(let t): "'$\(t)' has a malformed iterator id"
        case .iteratorTooLarge(let t): "'$\(t)': iterator ids go up to \(NWFilterVariableAccess.maximumIteratorID)"
        }
    }
}

/// A filter reference's or a binding's parameters: each name holds one value or a list, in
/// the order given. libvirt formats them sorted by name.
public struct NWFilterParameters: Sendable, Hashable, Codable {
    public private(set) var values: [String: [String]]

    public init(_ values: [String: [String]] = [:]) {
        self.values = values.filter { !$0.value.isEmpty }
    }

    public var isEmpty: Bool { values.isEmpty }
    public var names: [String] { values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
    public subscript(name: String) -> [String]? { values[name] }

    public mutating func append(_ value: String, to name: String) {
        values[name, default: []].append(value)
    }

    public mutating func set(_ name: String, to list: [String]) {
        values[name] = list.isEmpty ? nil : list
    }

    /// Values a caller gives override those of the same name here (a filterref's parameters
    /// override the port's, as virNWFilterCreateVarsFrom does).
    public func merging(_ other: NWFilterParameters) -> NWFilterParameters {
        NWFilterParameters(values.merging(other.values) { _, new in new })
    }

    /// VALID_VARVALUE: letters, digits, '_', '.' and ':' — addresses, numbers and names, and
    /// nothing that could end up as syntax in a rule.
    public static func isValidValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { b in
            NWFilterVariableAccess.isNameByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
        }
    }
}
