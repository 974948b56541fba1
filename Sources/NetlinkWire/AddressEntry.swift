import PatchbayModel

/// An interface address as an RTM_NEWADDR reply describes it (the `ip addr show` view).
public struct AddressEntry: Sendable, Hashable {
    public var interfaceIndex: UInt32
    public var address: InterfaceAddress
    public var broadcast: IPv4Address?
    public var label: String?
    public var scope: UInt8
    /// IFA_FLAGS when present (it carries the bits above 8), else the header's flags.
    public var flags: UInt32

    public init(interfaceIndex: UInt32, address: InterfaceAddress, broadcast: IPv4Address? = nil,
                label: String? = nil, scope: UInt8 = 0, flags: UInt32 = 0) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.broadcast = broadcast
        self.label = label
        self.scope = scope
        self.flags = flags
    }

    public init(message: NetlinkMessage) throws(NetlinkWireError) {
        let header = try IfAddrMessage(parsing: message.payload)
        let attributes = try NetlinkAttribute.parse(message.payload.dropFirst(IfAddrMessage.length),
                                                    baseOffset: NetlinkMessage.headerLength + IfAddrMessage.length)
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point
        // links and equal to IFA_LOCAL elsewhere. IPv6 sends only IFA_ADDRESS.
        guard let raw = (attributes.first(NetlinkConstants.IFA_LOCAL) ?? attributes.first(NetlinkConstants.IFA_ADDRESS))?.payload else {
            throw NetlinkWireError("address message without IFA_LOCAL or IFA_ADDRESS", offset: NetlinkMessage.headerLength)
        }
        let ip: IPAddress?
        switch header.family {
        case NetlinkConstants.AF_INET: ip = IPv4Address(bytes: raw).map(IPAddress.v4)
        case NetlinkConstants.AF_INET6: ip = IPv6Address(bytes: raw).map(IPAddress.v6)
        default: ip = nil
        }
        guard let ip, let address = InterfaceAddress(address: ip, prefixLength: Int(header.prefixLength)) else {
            throw NetlinkWireError("address of family \(header.family) with \(raw.count) bytes and prefix \(header.prefixLength)",
                                   offset: NetlinkMessage.headerLength)
        }
        self.init(interfaceIndex: header.index, address: address,
                  broadcast: attributes.first(NetlinkConstants.IFA_BROADCAST).flatMap { IPv4Address(bytes: $0.payload) },
                  label: attributes.first(NetlinkConstants.IFA_LABEL)?.string,
                  scope: header.scope,
                  flags: attributes.first(NetlinkConstants.IFA_FLAGS)?.uint32 ?? UInt32(header.flags))
    }
}
