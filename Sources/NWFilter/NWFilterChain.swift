/// The chain a filter's rules go into: `root`, or a protocol prefix plus a suffix of the
/// user's (`arp-mac`, `ipv4-ip`), which libvirt enters from the root chain only for frames of
/// that protocol (nwfilter.rng's chain patterns, virNWFilterIsAllowedChain).
public struct NWFilterChain: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let kind: Kind

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case root, mac, vlan, stp, arp, rarp, ipv4, ipv6

        /// libvirt's chain_priorities table. STP has no entry there, so an `stp…` chain gets the
        /// middle of the range (0), as libvirt 11 formats it.
        public var defaultPriority: Int {
            switch self {
            case .root, .stp: 0
            case .mac: -800
            case .vlan: -750
            case .ipv4: -700
            case .ipv6: -600
            case .arp: -500
            case .rarp: -400
            }
        }
    }

    public static let root = NWFilterChain(validated: "root", kind: .root)
    /// MAX_CHAIN_SUFFIX_SIZE: the prefix and suffix together, so that libvirt's
    /// `libvirt-I-vnet0-…` chain names stay within ebtables' 31 characters.
    public static let maximumLength = 12

    private init(validated name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Nil with the reason when the name is not one libvirt accepts.
    public static func parse(_ name: String) -> Result<NWFilterChain, NWFilterChainError> {
        guard name.utf8.count <= maximumLength else { return .failure(.tooLong(name)) }
        guard !name.isEmpty, name.utf8.allSatisfy(isChainCharacter) else { return .failure(.invalidCharacters(name)) }
        if name == "root" { return .success(.root) }
        if name.hasPrefix("root") { return .failure(.unknownPrefix(name)) }
        for kind in Kind.allCases where kind != .root && name.hasPrefix(kind.rawValue) {
            return .success(NWFilterChain(validated: name, kind: kind))
        }
        return .failure(.unknownPrefix(name))
    }

    public var defaultPriority: Int { kind.defaultPriority }
    public var description: String { name }

    private static func isChainCharacter(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
    }

    enum CodingKeys: String, CodingKey { case name }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
        switch Self.parse(name) {
        case .success(let chain): self = chain
        case .failure(let error):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
    }
}

public enum NWFilterChainError: Error, Sendable, Hashable, CustomStringConvertible {
    case tooLong(String)
    case invalidCharacters(String)
    case unknownPrefix(String)

    public var description: String {
        switch self {
        case .tooLong(let name):
            "chain name '\(name)' is longer than \(NWFilterChain.maximumLength) characters"
        case .invalidCharacters(let name):
            "chain name '\(name)' may hold only letters, digits and '_', '.', ':', '-'"
        case .unknownPrefix(let name):
            "invalid chain name '\(name)': use 'root' or a name starting with one of "
                + NWFilterChain.Kind.allCases.filter { $0 != .root }.map(\.rawValue).joined(separator: ", ")
        }
    }
}
