import PatchbayModel

/// A route as an RTM_NEWROUTE reply describes it (the `ip route show table all` view).
public struct RouteEntry: Sendable, Hashable {
    public var route: HostRoute
    /// RTA_OIF: the device the route leaves by; nil for routes without one (multipath, blackhole).
    public var outputInterfaceIndex: UInt32?
    /// rtm_flags (RTM_F_CLONED marks IPv6 cache entries, which are not configuration).
    public var flags: UInt32
    /// RTA_MULTIPATH is present: the route has several next hops, which Patchbay does not move.
    public var isMultipath: Bool

    public init(route: HostRoute, outputInterfaceIndex: UInt32?, flags: UInt32 = 0, isMultipath: Bool = false) {
        self.route = route
        self.outputInterfaceIndex = outputInterfaceIndex
        self.flags = flags
        self.isMultipath = isMultipath
    }

    public init(message: NetlinkMessage) throws(NetlinkWireError) {
        typealias C = NetlinkConstants
        let header = try RtMessage(parsing: message.payload)
        let attributes = try NetlinkAttribute.parse(message.payload.dropFirst(RtMessage.length),
                                                    baseOffset: NetlinkMessage.headerLength + RtMessage.length)
        let isIPv6: Bool
        switch header.family {
        case C.AF_INET: isIPv6 = false
        case C.AF_INET6: isIPv6 = true
        default: throw NetlinkWireError("route of family \(header.family)", offset: NetlinkMessage.headerLength)
        }
        func ip(_ type: UInt16) throws(NetlinkWireError) -> IPAddress? {
            guard let raw = attributes.first(type)?.payload else { return nil }
            let value = isIPv6 ? IPv6Address(bytes: raw).map(IPAddress.v6) : IPv4Address(bytes: raw).map(IPAddress.v4)
            guard let value else {
                throw NetlinkWireError("route attribute \(type) of \(raw.count) bytes", offset: NetlinkMessage.headerLength)
            }
            return value
        }
        var destination: InterfaceAddress?
        if header.destinationLength > 0 {
            guard let address = try ip(C.RTA_DST),
                  let prefix = InterfaceAddress(address: address, prefixLength: Int(header.destinationLength)) else {
                throw NetlinkWireError("route with prefix length \(header.destinationLength) and no RTA_DST", offset: NetlinkMessage.headerLength)
            }
            destination = prefix
        }
        let route = HostRoute(isIPv6: isIPv6, destination: destination, gateway: try ip(C.RTA_GATEWAY),
                              preferredSource: try ip(C.RTA_PREFSRC),
                              metric: attributes.first(C.RTA_PRIORITY)?.uint32,
                              table: attributes.first(C.RTA_TABLE)?.uint32 ?? UInt32(header.table),
                              protocolID: header.protocolID, scope: header.scope, type: header.type)
        self.init(route: route, outputInterfaceIndex: attributes.first(C.RTA_OIF)?.uint32, flags: header.flags,
                  isMultipath: attributes.first(C.RTA_MULTIPATH) != nil)
    }
}
