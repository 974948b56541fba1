import PatchbayModel

/// Builders for RTM_*LINK requests. Each returns the message without a sequence number; the
/// session stamps one when it sends. Layout and flags follow iproute2 (checked against
/// `strace -xx ip ...`), so a captured `ip` request and ours differ only in the sequence number.
public enum LinkRequest {
    private typealias C = NetlinkConstants
    private static let create = C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL
    private static let modify = C.NLM_F_REQUEST | C.NLM_F_ACK

    /// Equivalent to: `ip link add NAME [address MAC] [mtu MTU] type bridge forward_delay D stp_state S`.
    /// The forward delay is written before the STP state on purpose: the kernel only range-checks
    /// the delay (2–30 s) while STP is on, and br_changelink applies attributes in this order, so
    /// libvirt's usual `delay='0'` with `stp='on'` is accepted.
    public static func createBridge(name: String, mac: MACAddress? = nil, mtu: UInt32? = nil,
                                    forwardDelayCentiseconds: UInt32, stp: Bool) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFNAME, string: name)
        if let mac { b.append(C.IFLA_ADDRESS, bytes: mac.bytes) }
        if let mtu { b.append(C.IFLA_MTU, uint32: mtu) }
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(C.IFLA_INFO_DATA) { data in
                data.append(C.IFLA_BR_FORWARD_DELAY, uint32: forwardDelayCentiseconds)
                data.append(C.IFLA_BR_STP_STATE, uint32: stp ? 1 : 0)
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: create, payload: IfInfoMessage().bytes + b.bytes)
    }

    /// Equivalent to: `ip link set dev DEV type bridge forward_delay D stp_state S`.
    public static func setBridgeOptions(index: Int32, forwardDelayCentiseconds: UInt32, stp: Bool) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(C.IFLA_INFO_DATA) { data in
                data.append(C.IFLA_BR_FORWARD_DELAY, uint32: forwardDelayCentiseconds)
                data.append(C.IFLA_BR_STP_STATE, uint32: stp ? 1 : 0)
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip link set dev DEV type bridge stp_state S`.
    public static func setBridgeSTP(index: Int32, stp: Bool) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(C.IFLA_INFO_DATA) { data in
                data.append(C.IFLA_BR_STP_STATE, uint32: stp ? 1 : 0)
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip link add NAME [address MAC] [mtu MTU] type veth peer name PEER
    /// [address PEERMAC] [netns NSFD]`. The peer's attributes travel in VETH_INFO_PEER behind
    /// their own ifinfomsg, as <linux/veth.h> specifies.
    public static func createVeth(name: String, peerName: String, mac: MACAddress? = nil, peerMAC: MACAddress? = nil,
                                  mtu: UInt32? = nil, peerNamespaceFD: Int32? = nil) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFNAME, string: name)
        if let mac { b.append(C.IFLA_ADDRESS, bytes: mac.bytes) }
        if let mtu { b.append(C.IFLA_MTU, uint32: mtu) }
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "veth")
            info.nest(C.IFLA_INFO_DATA) { data in
                data.nest(C.VETH_INFO_PEER, header: IfInfoMessage().bytes) { peer in
                    if let peerNamespaceFD { peer.append(C.IFLA_NET_NS_FD, int32: peerNamespaceFD) }
                    peer.append(C.IFLA_IFNAME, string: peerName)
                    if let peerMAC { peer.append(C.IFLA_ADDRESS, bytes: peerMAC.bytes) }
                    if let mtu { peer.append(C.IFLA_MTU, uint32: mtu) }
                }
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: create, payload: IfInfoMessage().bytes + b.bytes)
    }

    /// Equivalent to: `ip link delete dev DEV`.
    public static func delete(index: Int32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_DELLINK, flags: modify, payload: IfInfoMessage(index: index).bytes)
    }

    /// Equivalent to: `ip link set dev DEV up` (or `down`).
    public static func setUp(index: Int32, _ up: Bool) -> NetlinkMessage {
        let header = IfInfoMessage(index: index, flags: up ? C.IFF_UP : 0, change: C.IFF_UP)
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: header.bytes)
    }

    /// Equivalent to: `ip link set dev DEV mtu MTU`.
    public static func setMTU(index: Int32, mtu: UInt32) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_MTU, uint32: mtu)
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip link set dev DEV master BRIDGE`, or `nomaster` when `masterIndex` is 0.
    public static func setMaster(index: Int32, masterIndex: Int32) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_MASTER, uint32: UInt32(bitPattern: masterIndex))
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip link set dev DEV address MAC`.
    public static func setAddress(index: Int32, mac: MACAddress) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_ADDRESS, bytes: mac.bytes)
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip link set dev DEV alias TEXT` (an empty text clears it).
    public static func setAlias(index: Int32, alias: String) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFALIAS, string: alias)
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip link set dev DEV name NEWNAME` (the device must be down).
    public static func rename(index: Int32, to name: String) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFNAME, string: name)
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip -d link show` of the device with index `index`.
    public static func get(index: Int32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETLINK, flags: C.NLM_F_REQUEST, payload: IfInfoMessage(index: index).bytes)
    }

    /// Equivalent to: `ip link set dev DEV netns NSFD`.
    public static func setNamespace(index: Int32, namespaceFD: Int32) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_NET_NS_FD, int32: namespaceFD)
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: modify, payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `ip -d link show dev NAME` (the kernel looks the name up itself).
    public static func get(name: String) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFNAME, string: name)
        return NetlinkMessage(type: C.RTM_GETLINK, flags: C.NLM_F_REQUEST, payload: IfInfoMessage().bytes + b.bytes)
    }

    /// Equivalent to: `bridge link set dev DEV state STATE`. An RTM_SETLINK of family AF_BRIDGE
    /// with the port attributes nested in IFLA_PROTINFO; the kernel reads a non-nested
    /// IFLA_PROTINFO as the old RSTP binary form, so NLA_F_NESTED is required, as iproute2 sets it.
    public static func setBridgePortState(index: Int32, state: UInt8) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_PROTINFO | C.NLA_F_NESTED) { port in
            port.append(C.IFLA_BRPORT_STATE, uint8: state)
        }
        return NetlinkMessage(type: C.RTM_SETLINK, flags: modify,
                              payload: IfInfoMessage(family: C.AF_BRIDGE, index: index).bytes + b.bytes)
    }

    /// Equivalent to: `bridge link show`: a dump of family AF_BRIDGE, which lists bridge ports
    /// only, each with its name, master, flags and IFLA_PROTINFO (state, learning, ...).
    public static func dumpBridgePorts() -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETLINK, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP, payload: IfInfoMessage(family: C.AF_BRIDGE).bytes)
    }

    /// Equivalent to: `ip -d link show` (a dump of every link in the namespace).
    public static func dump() -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETLINK, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP, payload: IfInfoMessage().bytes)
    }
}
