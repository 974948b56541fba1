import PatchbayModel

/// Builders for RTM_*ADDR requests.
public enum AddressRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `ip addr add ADDRESS/PREFIX [brd +] dev DEV`. IPv4 addresses get the
    /// subnet's broadcast address, as libvirt's virNetDevIPAddrAdd sets it; IPv6 ones get
    /// IFA_F_NODAD like libvirt's bridges so the address is usable at once.
    public static func add(_ address: InterfaceAddress, interfaceIndex: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_NEWADDR, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL,
                       payload: payload(address, interfaceIndex: interfaceIndex, withBroadcast: true))
    }

    /// Equivalent to: `ip addr del ADDRESS/PREFIX dev DEV`.
    public static func delete(_ address: InterfaceAddress, interfaceIndex: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_DELADDR, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                       payload: payload(address, interfaceIndex: interfaceIndex, withBroadcast: false))
    }

    /// Equivalent to: `ip addr show` (`ip -4 addr show` / `ip -6 addr show` with a family).
    public static func dump(family: UInt8 = NetlinkConstants.AF_UNSPEC) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETADDR, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP,
                       payload: IfAddrMessage(family: family, prefixLength: 0, index: 0).bytes)
    }

    private static func payload(_ address: InterfaceAddress, interfaceIndex: UInt32, withBroadcast: Bool) -> [UInt8] {
        let family = address.address.isIPv4 ? C.AF_INET : C.AF_INET6
        let flags: UInt8 = address.address.isIPv4 ? 0 : UInt8(C.IFA_F_NODAD)
        var b = NetlinkAttributeBuilder()
        b.append(C.IFA_LOCAL, bytes: address.address.bytes)
        b.append(C.IFA_ADDRESS, bytes: address.address.bytes)
        if withBroadcast, let broadcast = address.ipv4Broadcast {
            b.append(C.IFA_BROADCAST, bytes: broadcast.bytes)
        }
        let header = IfAddrMessage(family: family, prefixLength: UInt8(address.prefixLength), flags: flags,
                                   index: interfaceIndex)
        return header.bytes + b.bytes
    }
}
