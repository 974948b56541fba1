import CPatchbay
import Glibc
import NetlinkWire
import PatchbayModel

/// Link operations. Each names the iproute2 command it is equivalent to.
extension NetlinkSession {
    /// Equivalent to: `ip -d link show dev NAME`. Returns nil when no such device exists.
    public func link(named name: String) throws(NetlinkError) -> Link? {
        do {
            let reply = try query(LinkRequest.get(name: name), operation: "get link \(name)")
            return try decodeLink(reply, operation: "get link \(name)")
        } catch where error.errno == ENODEV {
            return nil
        }
    }

    /// Equivalent to: `ip -d link show`.
    public func links() throws(NetlinkError) -> [Link] {
        var result: [Link] = []
        for message in try dump(LinkRequest.dump(), operation: "dump links") where message.type == NetlinkConstants.RTM_NEWLINK {
            result.append(try decodeLink(message, operation: "dump links"))
        }
        return result
    }

    /// Equivalent to: `ip link add NAME [address MAC] [mtu MTU] type bridge forward_delay D stp_state S`.
    /// `forwardDelaySeconds` is libvirt's `delay` attribute; the kernel counts centiseconds.
    public func createBridge(name: String, mac: MACAddress? = nil, mtu: UInt32? = nil,
                             stp: Bool, forwardDelaySeconds: UInt32) throws(NetlinkError) {
        try execute(LinkRequest.createBridge(name: name, mac: mac, mtu: mtu,
                                             forwardDelayCentiseconds: forwardDelaySeconds * 100, stp: stp),
                    operation: "create bridge \(name)")
    }

    /// Equivalent to: `ip link set dev NAME type bridge forward_delay D stp_state S`. The kernel
    /// applies the delay before the STP state and refuses a delay under 2 s while STP is still
    /// on, so turning STP off comes first, in a message of its own.
    public func setBridgeOptions(name: String, stp: Bool, forwardDelaySeconds: UInt32) throws(NetlinkError) {
        try setBridgeOptions(index: try requireIndex(name, for: "set bridge options of \(name)"), stp: stp,
                             forwardDelaySeconds: forwardDelaySeconds, named: name)
    }

    /// The same on a bridge known by index (`named` only labels errors).
    public func setBridgeOptions(index: Int32, stp: Bool, forwardDelaySeconds: UInt32, named name: String? = nil) throws(NetlinkError) {
        let label = name ?? "interface \(index)"
        if !stp {
            try execute(LinkRequest.setBridgeSTP(index: index, stp: false), operation: "turn STP off on \(label)")
        }
        try execute(LinkRequest.setBridgeOptions(index: index, forwardDelayCentiseconds: forwardDelaySeconds * 100, stp: stp),
                    operation: "set bridge options of \(label)")
    }

    /// Equivalent to: `ip link add NAME type veth peer name PEER [netns NS]`. The peer goes to the
    /// namespace at `peerNamespacePath` when one is given.
    public func createVeth(name: String, peerName: String, mac: MACAddress? = nil, peerMAC: MACAddress? = nil,
                           mtu: UInt32? = nil, peerNamespacePath: String? = nil) throws(NetlinkError) {
        let operation = "create veth pair \(name)/\(peerName)"
        var namespaceFD: Int32?
        if let peerNamespacePath {
            let fd = open(peerNamespacePath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw NetlinkError(operation: operation, errno: errno, extendedMessage: "cannot open \(peerNamespacePath)")
            }
            namespaceFD = fd
        }
        defer { if let namespaceFD { close(namespaceFD) } }
        try execute(LinkRequest.createVeth(name: name, peerName: peerName, mac: mac, peerMAC: peerMAC, mtu: mtu,
                                           peerNamespaceFD: namespaceFD),
                    operation: operation)
    }

    /// Equivalent to: `ip link add link LOWER name NAME address MAC type macvtap mode MODE`.
    public func createMacvtap(name: String, lowerIndex: Int32, mode: NetworkPortDefinition.DirectMode,
                              mac: MACAddress?) throws(NetlinkError) {
        try execute(LinkRequest.createMacvtap(name: name, lowerIndex: lowerIndex, mode: mode, mac: mac),
                    operation: "create macvtap \(name) (mode \(mode.rawValue))")
    }

    /// Equivalent to: `ip tuntap add dev NAME mode tap [vnet_hdr] [multi_queue] [user U] [group G]`.
    /// The device is persistent; `name` may be a template such as "vnet%d". Returns the name the
    /// kernel chose. With `exclusive`, an existing device of that name is an error (EEXIST) rather
    /// than a TAP to attach to. TAP creation goes through /dev/net/tun, not rtnetlink, so it is
    /// created in the session's namespace by entering it briefly on this thread.
    public func createTap(name: String, vnetHeader: Bool = true, multiQueue: Bool = false,
                          owner: UInt32? = nil, group: UInt32? = nil, exclusive: Bool = false) throws(NetlinkError) -> String {
        try TAPDevice.create(namespacePath: namespacePath, name: name, vnetHeader: vnetHeader,
                             multiQueue: multiQueue, owner: owner, group: group, exclusive: exclusive)
    }

    /// Equivalent to: `ethtool -K NAME tx on|off`.
    public func setTxChecksumOffload(named name: String, _ enabled: Bool, namespacePath other: String? = nil) throws(NetlinkError) {
        let rc = cpatchbay_set_tx_checksum(other ?? namespacePath, name, enabled ? 1 : 0)
        if rc < 0 { throw NetlinkError(operation: "set tx checksumming \(enabled ? "on" : "off") on \(name)", errno: -rc, extendedMessage: nil) }
    }

    /// Equivalent to: `ip link delete dev NAME`.
    public func deleteLink(named name: String) throws(NetlinkError) {
        let index = try requireIndex(name, for: "delete link \(name)")
        try execute(LinkRequest.delete(index: index), operation: "delete link \(name)")
    }

    /// Equivalent to: `ip link set dev NAME up` (or `down`).
    public func setLinkUp(named name: String, _ up: Bool = true) throws(NetlinkError) {
        let operation = "set link \(name) \(up ? "up" : "down")"
        try execute(LinkRequest.setUp(index: try requireIndex(name, for: operation), up), operation: operation)
    }

    /// Equivalent to: `ip link set dev NAME mtu MTU`.
    public func setMTU(named name: String, _ mtu: UInt32) throws(NetlinkError) {
        let operation = "set mtu \(mtu) on \(name)"
        try execute(LinkRequest.setMTU(index: try requireIndex(name, for: operation), mtu: mtu), operation: operation)
    }

    /// Equivalent to: `ip link set dev NAME master BRIDGE`, or `ip link set dev NAME nomaster`
    /// when `master` is nil.
    public func setMaster(named name: String, master: String?) throws(NetlinkError) {
        let operation = master.map { "attach \(name) to \($0)" } ?? "detach \(name) from its master"
        let index = try requireIndex(name, for: operation)
        let masterIndex = try master.map { m throws(NetlinkError) in try requireIndex(m, for: operation) } ?? 0
        try execute(LinkRequest.setMaster(index: index, masterIndex: masterIndex), operation: operation)
    }

    /// Equivalent to: `ip link set dev NAME address MAC`.
    public func setMAC(named name: String, _ mac: MACAddress) throws(NetlinkError) {
        let operation = "set address \(mac) on \(name)"
        try execute(LinkRequest.setAddress(index: try requireIndex(name, for: operation), mac: mac), operation: operation)
    }

    func requireIndex(_ name: String, for operation: String) throws(NetlinkError) -> Int32 {
        guard let link = try link(named: name) else {
            throw NetlinkError(operation: operation, errno: ENODEV, extendedMessage: "no device named \(name)")
        }
        return link.index
    }

    func decodeLink(_ message: NetlinkMessage, operation: String) throws(NetlinkError) -> Link {
        do { return try Link(message: message) } catch {
            throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: error.description)
        }
    }
}

extension NetlinkSession {
    /// Equivalent to: `bridge link set dev NAME state STATE` (0 disabled ... 3 forwarding). The
    /// kernel refuses (EBUSY) while its own STP runs on the bridge, and on a bridge without STP
    /// turns any state but disabled straight back to forwarding.
    public func setBridgePortState(index: Int32, state: UInt8) throws(NetlinkError) {
        try execute(LinkRequest.setBridgePortState(index: index, state: state),
                    operation: "set bridge port state of interface \(index) to \(state)")
    }
}

extension NetlinkSession {
    /// Equivalent to: `bridge link show`: every bridge port of the namespace, with its state.
    public func bridgePorts() throws(NetlinkError) -> [Link] {
        var result: [Link] = []
        for message in try dump(LinkRequest.dumpBridgePorts(), operation: "dump bridge ports")
        where message.type == NetlinkConstants.RTM_NEWLINK {
            result.append(try decodeLink(message, operation: "dump bridge ports"))
        }
        return result
    }
}

extension NetlinkSession {
    /// Equivalent to: `bridge link show master BRIDGE`: the ports of the bridge with index
    /// `bridgeIndex`, or of every bridge when nil, each with the index of its bridge.
    public func bridgePortStatuses(ofBridge bridgeIndex: Int32? = nil) throws(NetlinkError) -> [(bridge: Int32, port: BridgePortStatus)] {
        try bridgePorts().compactMap { link in
            guard let port = link.bridgePortStatus, bridgeIndex == nil || port.bridge == bridgeIndex else { return nil }
            return port
        }
    }
}

extension Link {
    /// The device as a port of its bridge, with that bridge's index: nil when it is no bridge
    /// port (or the message did not say its state). A dump entry and a link event alike.
    public var bridgePortStatus: (bridge: Int32, port: BridgePortStatus)? {
        guard let master = masterIndex, master != index, let state = bridgePort?.state.flatMap(BridgePortState.init(rawValue:)) else {
            return nil
        }
        let upWithLink = NetlinkConstants.IFF_UP | NetlinkConstants.IFF_LOWER_UP
        return (master, BridgePortStatus(index: index, name: name, state: state, carrier: flags & upWithLink == upWithLink))
    }
}
