import PatchbayModel

/// Builders for RTM_*NEIGH requests on the IPv4/IPv6 neighbour (ARP/NDP) table.
public enum NeighborRequest {
    private typealias C = NetlinkConstants

    /// struct ndmsg (<linux/neighbour.h>): u8 family, u8 pad1, u16 pad2, s32 ifindex, u16 state,
    /// u8 flags, u8 type.
    static func header(family: UInt8, index: Int32, state: UInt16) -> [UInt8] {
        var out: [UInt8] = [family, 0, 0, 0]
        withUnsafeBytes(of: index) { out += $0 }
        withUnsafeBytes(of: state) { out += $0 }
        out += [0, 0]
        return out
    }

    /// Equivalent to: `ip neigh replace ADDRESS lladdr MAC dev DEV nud STATE`. The DHCP server
    /// uses it to reach a client at its new address before the client can answer ARP.
    public static func replace(_ address: IPAddress, mac: MACAddress, interfaceIndex: Int32,
                               state: UInt16 = NetlinkConstants.NUD_STALE) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.NDA_DST, bytes: address.bytes)
        b.append(C.NDA_LLADDR, bytes: mac.bytes)
        let family = address.isIPv4 ? C.AF_INET : C.AF_INET6
        return NetlinkMessage(type: C.RTM_NEWNEIGH, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE,
                              payload: header(family: family, index: interfaceIndex, state: state) + b.bytes)
    }

    /// Equivalent to: `bridge fdb get MAC br BRIDGE`: which port of the bridge learned `mac`.
    /// The answer is an RTM_NEWNEIGH whose ndmsg ifindex is the port (`bridgePort(inReply:)`);
    /// an unknown address is ENOENT.
    public static func fdbGet(_ mac: MACAddress, bridgeIndex: Int32) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.NDA_LLADDR, bytes: mac.bytes)
        withUnsafeBytes(of: bridgeIndex) { b.append(C.NDA_MASTER, bytes: Array($0)) }
        return NetlinkMessage(type: C.RTM_GETNEIGH, flags: C.NLM_F_REQUEST,
                              payload: header(family: C.AF_BRIDGE, index: 0, state: 0) + b.bytes)
    }

    /// The interface index in an RTM_NEWNEIGH reply's ndmsg.
    public static func interfaceIndex(inReply message: NetlinkMessage) -> Int32? {
        guard message.type == C.RTM_NEWNEIGH, message.payload.count >= 8 else { return nil }
        return message.payload[4..<8].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
    }
}
