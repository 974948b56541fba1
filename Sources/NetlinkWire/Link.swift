import PatchbayModel

/// A network interface as an RTM_NEWLINK reply describes it (the `ip -d link show` view).
public struct Link: Sendable, Hashable {
    public var index: Int32
    public var name: String
    /// IFLA_INFO_KIND: "bridge", "veth", "tun", ... nil for devices without rtnl_link_ops (lo).
    public var kind: String?
    /// IFLA_INFO_SLAVE_KIND: "bridge" when the device is a bridge port.
    public var slaveKind: String?
    public var deviceType: UInt16
    public var flags: UInt32
    public var mtu: UInt32?
    public var mac: MACAddress?
    /// IFLA_MASTER: the index of the bridge (or bond) the device is enslaved to.
    public var masterIndex: Int32?
    /// IFLA_IFALIAS (`ip link set DEV alias TEXT`): where Patchbay keeps its ownership tag.
    public var alias: String?
    public var operState: UInt8?
    /// IFLA_CARRIER: whether the device has a link (a TAP has one while QEMU holds it open).
    public var carrier: Bool?
    public var bridge: BridgeAttributes?
    /// IFLA_INFO_SLAVE_DATA of a bridge port: its STP state and learning flag.
    public var bridgePort: BridgePortAttributes?
    public var tun: TunAttributes?
    /// IFLA_LINK: the device a macvlan/macvtap (or VLAN) sits on.
    public var lowerIndex: Int32?
    /// IFLA_MACVLAN_MODE of a macvlan/macvtap (MACVLAN_MODE_*).
    public var macvlanMode: UInt32?
    public var statistics: LinkStatistics?

    public var isUp: Bool { flags & NetlinkConstants.IFF_UP != 0 }

    public init(index: Int32, name: String, kind: String? = nil, slaveKind: String? = nil, deviceType: UInt16 = 0,
                flags: UInt32 = 0, mtu: UInt32? = nil, mac: MACAddress? = nil, masterIndex: Int32? = nil,
                operState: UInt8? = nil, bridge: BridgeAttributes? = nil, tun: TunAttributes? = nil,
                statistics: LinkStatistics? = nil) {
        self.index = index
        self.name = name
        self.kind = kind
        self.slaveKind = slaveKind
        self.deviceType = deviceType
        self.flags = flags
        self.mtu = mtu
        self.mac = mac
        self.masterIndex = masterIndex
        self.operState = operState
        self.bridge = bridge
        self.tun = tun
        self.statistics = statistics
    }

    /// Decodes an RTM_NEWLINK message (a dump entry or the answer to RTM_GETLINK).
    public init(message: NetlinkMessage) throws(NetlinkWireError) {
        let header = try IfInfoMessage(parsing: message.payload)
        let attributes = try NetlinkAttribute.parse(message.payload.dropFirst(IfInfoMessage.length),
                                                    baseOffset: NetlinkMessage.headerLength + IfInfoMessage.length)
        self.init(index: header.index, name: attributes.first(NetlinkConstants.IFLA_IFNAME)?.string ?? "",
                  deviceType: header.deviceType, flags: header.flags)
        mtu = attributes.first(NetlinkConstants.IFLA_MTU)?.uint32
        if let address = attributes.first(NetlinkConstants.IFLA_ADDRESS)?.payload {
            mac = MACAddress(bytes: address)
        }
        if let master = attributes.first(NetlinkConstants.IFLA_MASTER)?.uint32 {
            masterIndex = Int32(bitPattern: master)
        }
        alias = attributes.first(NetlinkConstants.IFLA_IFALIAS)?.string
        lowerIndex = attributes.first(NetlinkConstants.IFLA_LINK)?.uint32.map { Int32(bitPattern: $0) }
        operState = attributes.first(NetlinkConstants.IFLA_OPERSTATE)?.uint8
        carrier = attributes.first(NetlinkConstants.IFLA_CARRIER)?.uint8.map { $0 != 0 }
        // An AF_BRIDGE dump (`bridge link show`) carries the port attributes in IFLA_PROTINFO.
        if header.family == NetlinkConstants.AF_BRIDGE, let data = try attributes.first(NetlinkConstants.IFLA_PROTINFO)?.nested() {
            bridgePort = BridgePortAttributes(data)
        }
        if let stats = attributes.first(NetlinkConstants.IFLA_STATS64) {
            statistics = LinkStatistics(rtnlLinkStats64: stats.payload)
        }
        if let linkInfo = try attributes.first(NetlinkConstants.IFLA_LINKINFO)?.nested() {
            kind = linkInfo.first(NetlinkConstants.IFLA_INFO_KIND)?.string
            slaveKind = linkInfo.first(NetlinkConstants.IFLA_INFO_SLAVE_KIND)?.string
            if let data = try linkInfo.first(NetlinkConstants.IFLA_INFO_DATA)?.nested() {
                switch kind {
                case "bridge": bridge = BridgeAttributes(data)
                case "tun": tun = TunAttributes(data)
                case "macvtap", "macvlan": macvlanMode = data.first(NetlinkConstants.IFLA_MACVLAN_MODE)?.uint32
                default: break
                }
            }
            if slaveKind == "bridge", let data = try linkInfo.first(NetlinkConstants.IFLA_INFO_SLAVE_DATA)?.nested() {
                bridgePort = BridgePortAttributes(data)
            }
        }
    }
}

/// IFLA_INFO_SLAVE_DATA of a bridge port (IFLA_BRPORT_*), the part of `bridge -d link show` the
/// loop guard reads.
public struct BridgePortAttributes: Sendable, Hashable {
    /// BR_STATE_*: 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking.
    public var state: UInt8?
    public var learning: Bool?
    /// IFLA_BRPORT_PRIORITY, IFLA_BRPORT_COST (STP) and IFLA_BRPORT_ISOLATED.
    public var priority: UInt16?
    public var cost: UInt32?
    public var isolated: Bool?

    public init(state: UInt8? = nil, learning: Bool? = nil, priority: UInt16? = nil, cost: UInt32? = nil,
                isolated: Bool? = nil) {
        self.state = state
        self.learning = learning
        self.priority = priority
        self.cost = cost
        self.isolated = isolated
    }

    init(_ data: [NetlinkAttribute]) {
        state = data.first(NetlinkConstants.IFLA_BRPORT_STATE)?.uint8
        learning = data.first(NetlinkConstants.IFLA_BRPORT_LEARNING)?.uint8.map { $0 != 0 }
        priority = data.first(NetlinkConstants.IFLA_BRPORT_PRIORITY)?.uint16
        cost = data.first(NetlinkConstants.IFLA_BRPORT_COST)?.uint32
        isolated = data.first(NetlinkConstants.IFLA_BRPORT_ISOLATED)?.uint8.map { $0 != 0 }
    }
}

/// IFLA_INFO_DATA of a bridge (IFLA_BR_*), the part of `ip -d link show type bridge` Patchbay sets.
public struct BridgeAttributes: Sendable, Hashable {
    /// In centiseconds (USER_HZ), as the kernel reports clock_t values.
    public var forwardDelay: UInt32?
    public var stpState: UInt32?
    public var vlanFiltering: Bool?
    /// Centiseconds, as `forwardDelay`.
    public var helloTime: UInt32?
    public var maxAge: UInt32?
    public var ageingTime: UInt32?
    public var priority: UInt16?

    public init(forwardDelay: UInt32? = nil, stpState: UInt32? = nil, vlanFiltering: Bool? = nil,
                helloTime: UInt32? = nil, maxAge: UInt32? = nil, ageingTime: UInt32? = nil, priority: UInt16? = nil) {
        self.forwardDelay = forwardDelay
        self.stpState = stpState
        self.vlanFiltering = vlanFiltering
        self.helloTime = helloTime
        self.maxAge = maxAge
        self.ageingTime = ageingTime
        self.priority = priority
    }

    init(_ data: [NetlinkAttribute]) {
        forwardDelay = data.first(NetlinkConstants.IFLA_BR_FORWARD_DELAY)?.uint32
        stpState = data.first(NetlinkConstants.IFLA_BR_STP_STATE)?.uint32
        vlanFiltering = data.first(NetlinkConstants.IFLA_BR_VLAN_FILTERING)?.uint8.map { $0 != 0 }
        helloTime = data.first(NetlinkConstants.IFLA_BR_HELLO_TIME)?.uint32
        maxAge = data.first(NetlinkConstants.IFLA_BR_MAX_AGE)?.uint32
        ageingTime = data.first(NetlinkConstants.IFLA_BR_AGEING_TIME)?.uint32
        priority = data.first(NetlinkConstants.IFLA_BR_PRIORITY)?.uint16
    }
}

/// IFLA_INFO_DATA of a tun/tap device (IFLA_TUN_*).
public struct TunAttributes: Sendable, Hashable {
    /// IFF_TUN (1) or IFF_TAP (2).
    public var type: UInt8?
    public var vnetHeader: Bool?
    public var persistent: Bool?
    public var multiQueue: Bool?
    public var owner: UInt32?
    public var group: UInt32?

    init(_ data: [NetlinkAttribute]) {
        type = data.first(NetlinkConstants.IFLA_TUN_TYPE)?.uint8
        vnetHeader = data.first(NetlinkConstants.IFLA_TUN_VNET_HDR)?.uint8.map { $0 != 0 }
        persistent = data.first(NetlinkConstants.IFLA_TUN_PERSIST)?.uint8.map { $0 != 0 }
        multiQueue = data.first(NetlinkConstants.IFLA_TUN_MULTI_QUEUE)?.uint8.map { $0 != 0 }
        owner = data.first(NetlinkConstants.IFLA_TUN_OWNER)?.uint32
        group = data.first(NetlinkConstants.IFLA_TUN_GROUP)?.uint32
    }
}

/// The first eight counters of struct rtnl_link_stats64, the ones `virsh domifstat` shows.
public struct LinkStatistics: Sendable, Hashable {
    public var rxPackets: UInt64
    public var txPackets: UInt64
    public var rxBytes: UInt64
    public var txBytes: UInt64
    public var rxErrors: UInt64
    public var txErrors: UInt64
    public var rxDropped: UInt64
    public var txDropped: UInt64

    init?(rtnlLinkStats64 p: [UInt8]) {
        guard p.count >= 64 else { return nil }
        rxPackets = p.hostUInt64(at: 0)
        txPackets = p.hostUInt64(at: 8)
        rxBytes = p.hostUInt64(at: 16)
        txBytes = p.hostUInt64(at: 24)
        rxErrors = p.hostUInt64(at: 32)
        txErrors = p.hostUInt64(at: 40)
        rxDropped = p.hostUInt64(at: 48)
        txDropped = p.hostUInt64(at: 56)
    }
}
