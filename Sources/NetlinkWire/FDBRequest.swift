import PatchbayModel

/// Builders for the bridge forwarding database (RTM_*NEIGH of family AF_BRIDGE), as the
/// `bridge fdb` commands send them (checked against `strace -e write=all bridge fdb ...`).
public enum FDBRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `bridge fdb show br BRIDGE`: a dump filtered by the kernel
    /// (rtnl_fdb_dump) to the bridge and its ports through NDA_MASTER.
    public static func dump(bridgeIndex: Int32) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.NDA_MASTER, uint32: UInt32(bitPattern: bridgeIndex))
        return NetlinkMessage(type: C.RTM_GETNEIGH, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP,
                              payload: NeighborRequest.header(family: C.AF_BRIDGE, index: 0, state: 0) + b.bytes)
    }

    /// Equivalent to: `bridge fdb add MAC dev PORT master static [vlan V]`. iproute2's `static`
    /// is NUD_NOARP (with NUD_REACHABLE, its default): NUD_PERMANENT would make a `permanent`
    /// entry, which the kernel treats as the bridge's own (local) address and never forwards to.
    public static func addStatic(_ mac: MACAddress, portIndex: Int32, vlan: UInt16? = nil) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_NEWNEIGH, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL,
                       payload: header(portIndex: portIndex, state: C.NUD_NOARP | C.NUD_REACHABLE) + attributes(mac, vlan))
    }

    /// Equivalent to: `bridge fdb del MAC dev PORT master [vlan V]` (iproute2 leaves its default
    /// state, NUD_NOARP|NUD_PERMANENT, in the header; the kernel ignores it on delete).
    public static func delete(_ mac: MACAddress, portIndex: Int32, vlan: UInt16? = nil) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_DELNEIGH, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                       payload: header(portIndex: portIndex, state: C.NUD_NOARP | C.NUD_PERMANENT) + attributes(mac, vlan))
    }

    /// struct ndmsg with NTF_MASTER: the entry belongs to the bridge the port is enslaved to.
    private static func header(portIndex: Int32, state: UInt16) -> [UInt8] {
        var h = NeighborRequest.header(family: C.AF_BRIDGE, index: portIndex, state: state)
        h[10] = C.NTF_MASTER
        return h
    }

    private static func attributes(_ mac: MACAddress, _ vlan: UInt16?) -> [UInt8] {
        var b = NetlinkAttributeBuilder()
        b.append(C.NDA_LLADDR, bytes: mac.bytes)
        if let vlan { b.append(C.NDA_VLAN, uint16: vlan) }
        return b.bytes
    }
}

/// One forwarding database entry as an RTM_NEWNEIGH of family AF_BRIDGE describes it (a line of
/// `bridge fdb show`).
public struct FDBEntry: Sendable, Hashable {
    /// The port (or, for `self` entries, the device) the entry points at.
    public var interfaceIndex: Int32
    public var mac: MACAddress
    /// NDA_MASTER: the bridge, for entries of the bridge's table (`master br0`).
    public var masterIndex: Int32?
    public var vlan: UInt16?
    /// ndm_state (NUD_*): NUD_PERMANENT is `permanent` (a local address), NUD_NOARP `static`,
    /// anything else learned.
    public var state: UInt16
    /// ndm_flags (NTF_*).
    public var flags: UInt8
    /// NDA_CACHEINFO's ndm_used and ndm_updated: centiseconds since the entry was last used
    /// and last refreshed (iproute2 divides by 100 for `bridge -s fdb`).
    public var usedCentiseconds: UInt32?
    public var updatedCentiseconds: UInt32?

    public init(interfaceIndex: Int32, mac: MACAddress, masterIndex: Int32? = nil, vlan: UInt16? = nil,
                state: UInt16, flags: UInt8, usedCentiseconds: UInt32? = nil, updatedCentiseconds: UInt32? = nil) {
        self.interfaceIndex = interfaceIndex
        self.mac = mac
        self.masterIndex = masterIndex
        self.vlan = vlan
        self.state = state
        self.flags = flags
        self.usedCentiseconds = usedCentiseconds
        self.updatedCentiseconds = updatedCentiseconds
    }

    public var isPermanent: Bool { state & NetlinkConstants.NUD_PERMANENT != 0 }
    public var isStatic: Bool { !isPermanent && state & NetlinkConstants.NUD_NOARP != 0 }
    public var isLearned: Bool { !isPermanent && !isStatic }
    /// NTF_SELF: the entry is in the device's own table (a port's multicast addresses), not the bridge's.
    public var isSelf: Bool { flags & NetlinkConstants.NTF_SELF != 0 }
    /// iproute2's state word: `permanent`, `static` or empty (learned).
    public var stateName: String { isPermanent ? "permanent" : isStatic ? "static" : "" }

    /// Decodes one dump message, or a RTM_NEWNEIGH / RTM_DELNEIGH notice (the caller tells them
    /// apart by the message type); nil for messages that are not AF_BRIDGE entries with an address.
    public init?(message: NetlinkMessage) throws(NetlinkWireError) {
        let p = message.payload
        guard message.type == NetlinkConstants.RTM_NEWNEIGH || message.type == NetlinkConstants.RTM_DELNEIGH, p.count >= 12, p[0] == NetlinkConstants.AF_BRIDGE else { return nil }
        let attributes = try NetlinkAttribute.parse(p.dropFirst(12), baseOffset: NetlinkMessage.headerLength + 12)
        guard let lladdr = attributes.first(NetlinkConstants.NDA_LLADDR)?.payload, let mac = MACAddress(bytes: lladdr) else {
            return nil
        }
        self.init(interfaceIndex: p.hostInt32(at: 4), mac: mac,
                  masterIndex: attributes.first(NetlinkConstants.NDA_MASTER)?.uint32.map { Int32(bitPattern: $0) },
                  vlan: attributes.first(NetlinkConstants.NDA_VLAN)?.uint16,
                  state: p.hostUInt16(at: 8), flags: p[10])
        // struct nda_cacheinfo: u32 ndm_confirmed, ndm_used, ndm_updated, ndm_refcnt.
        if let info = attributes.first(NetlinkConstants.NDA_CACHEINFO)?.payload, info.count >= 12 {
            usedCentiseconds = info.hostUInt32(at: 4)
            updatedCentiseconds = info.hostUInt32(at: 8)
        }
    }
}
