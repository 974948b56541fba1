import PatchbayModel

/// Builders for RTM_*ROUTE requests, laid out as iproute2 writes them (checked against
/// `strace -e write=3 ip route ...`): attributes in the order RTA_DST, RTA_PREFSRC,
/// RTA_GATEWAY, RTA_PRIORITY, RTA_OIF, which is what `ip route add DST src S via G metric M dev D`
/// sends; tables above 255 go in RTA_TABLE.
public enum RouteRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `ip route add DST [src S] [via G] [metric M] [table T] proto P dev DEV`.
    public static func add(_ route: HostRoute, interfaceIndex: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_NEWROUTE, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_EXCL | C.NLM_F_CREATE,
                       payload: payload(route, interfaceIndex: interfaceIndex, deleting: false))
    }

    /// Equivalent to: `ip route replace DST ... dev DEV`: the kernel swaps the route with the
    /// same table, destination, TOS and metric in one step, so a default route moved this way
    /// never disappears.
    public static func replace(_ route: HostRoute, interfaceIndex: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_NEWROUTE, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_REPLACE | C.NLM_F_CREATE,
                       payload: payload(route, interfaceIndex: interfaceIndex, deleting: false))
    }

    /// Equivalent to: `ip route del DST ... proto P dev DEV` (scope and type left to the kernel to
    /// match, as iproute2 sends RT_SCOPE_NOWHERE and RTN_UNSPEC).
    public static func delete(_ route: HostRoute, interfaceIndex: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_DELROUTE, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                       payload: payload(route, interfaceIndex: interfaceIndex, deleting: true))
    }

    /// Equivalent to: `ip route show table all` (`ip -4`/`ip -6` with a family); with `table`,
    /// `ip route show table T`, which iproute2 asks for in RTA_TABLE.
    public static func dump(family: UInt8 = NetlinkConstants.AF_UNSPEC, table: UInt32? = nil) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        if let table { b.append(C.RTA_TABLE, uint32: table) }
        let header = RtMessage(family: family, destinationLength: 0, table: 0, protocolID: 0,
                               scope: C.RT_SCOPE_UNIVERSE, type: 0)
        return NetlinkMessage(type: C.RTM_GETROUTE, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP, payload: header.bytes + b.bytes)
    }

    private static func payload(_ route: HostRoute, interfaceIndex: UInt32, deleting: Bool) -> [UInt8] {
        let family = route.isIPv6 ? C.AF_INET6 : C.AF_INET
        let prefix = UInt8(route.destination?.prefixLength ?? 0)
        var b = NetlinkAttributeBuilder()
        if let destination = route.destination, prefix > 0 {
            b.append(C.RTA_DST, bytes: destination.address.bytes)
        } else if route.isIPv6 {
            // iproute2 writes `default` of IPv6 as RTA_DST :: with length 0; IPv4's without RTA_DST.
            b.append(C.RTA_DST, bytes: [UInt8](repeating: 0, count: 16))
        }
        if let source = route.preferredSource { b.append(C.RTA_PREFSRC, bytes: source.bytes) }
        if let gateway = route.gateway { b.append(C.RTA_GATEWAY, bytes: gateway.bytes) }
        if let metric = route.metric { b.append(C.RTA_PRIORITY, uint32: metric) }
        let table: UInt8 = route.table < 256 ? UInt8(route.table) : C.RT_TABLE_UNSPEC
        if route.table >= 256 { b.append(C.RTA_TABLE, uint32: route.table) }
        b.append(C.RTA_OIF, uint32: interfaceIndex)
        let header = RtMessage(family: family, destinationLength: prefix, table: table, protocolID: route.protocolID,
                               scope: deleting ? C.RT_SCOPE_NOWHERE : route.scope,
                               type: deleting ? 0 : route.type)
        return header.bytes + b.bytes
    }
}
