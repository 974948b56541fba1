/// A route of the host's routing table as `ip route show` lists it, without its device: the
/// part of a route that `iface-bridge` moves from a NIC to its bridge unchanged. The device is
/// whatever interface the route is written to (RTA_OIF), so the same value moves.
public struct HostRoute: Sendable, Hashable, Codable, CustomStringConvertible {
    /// True for an IPv6 route (AF_INET6), false for IPv4.
    public var isIPv6: Bool
    /// The destination network; nil for the default route (0.0.0.0/0, ::/0).
    public var destination: InterfaceAddress?
    public var gateway: IPAddress?
    /// RTA_PREFSRC (`src ADDRESS`).
    public var preferredSource: IPAddress?
    /// RTA_PRIORITY (`metric N`); nil when the kernel reported none.
    public var metric: UInt32?
    /// The routing table (254 is `main`).
    public var table: UInt32
    /// rtm_protocol (`proto`): 2 kernel, 3 boot, 4 static, 16 dhcp, 9 ra.
    public var protocolID: UInt8
    /// rtm_scope: 0 universe, 253 link.
    public var scope: UInt8
    /// rtm_type: 1 unicast.
    public var type: UInt8

    public init(isIPv6: Bool, destination: InterfaceAddress? = nil, gateway: IPAddress? = nil,
                preferredSource: IPAddress? = nil, metric: UInt32? = nil, table: UInt32 = 254,
                protocolID: UInt8 = 3, scope: UInt8 = 0, type: UInt8 = 1) {
        self.isIPv6 = isIPv6
        self.destination = destination
        self.gateway = gateway
        self.preferredSource = preferredSource
        self.metric = metric
        self.table = table
        self.protocolID = protocolID
        self.scope = scope
        self.type = type
    }

    public var isDefault: Bool { destination == nil || destination?.prefixLength == 0 }

    public var description: String {
        var text = destination?.description ?? "default"
        if let gateway { text += " via \(gateway)" }
        if let preferredSource { text += " src \(preferredSource)" }
        if let metric { text += " metric \(metric)" }
        if table != 254 { text += " table \(table)" }
        return text
    }
}
