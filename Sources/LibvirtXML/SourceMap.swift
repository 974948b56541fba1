import PatchbayModel

/// Where each part of a parsed definition came from, so that errors found after parsing (by the
/// validator) can still point at a line and column.
public struct SourceMap: Sendable, Hashable {
    public enum Location: Sendable, Hashable {
        case root, name, bridge, mac, mtu, domain, dns, forward, nat, vlan, bandwidth, virtualPort
        case forwardInterface(Int), pciAddress(Int)
        case ip(Int), dhcpRange(ip: Int, Int), dhcpHost(ip: Int, Int)
        case dnsHost(Int), dnsSRV(Int), dnsTXT(Int), dnsForwarder(Int)
        case route(Int), portGroup(Int)
    }

    private var positions: [Location: SourcePosition] = [:]

    public init() {}

    public subscript(_ location: Location) -> SourcePosition? {
        get { positions[location] }
        set { positions[location] = newValue }
    }
}

/// A parsed definition with the positions of its parts.
public struct ParsedNetwork: Sendable {
    public var definition: NetworkDefinition
    public var sourceMap: SourceMap

    /// A definition that did not come from text has no positions to report.
    public init(definition: NetworkDefinition, sourceMap: SourceMap = SourceMap()) {
        self.definition = definition
        self.sourceMap = sourceMap
    }
}
