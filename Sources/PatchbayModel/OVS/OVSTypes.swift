/// What the running Open vSwitch says of itself (its `Open_vSwitch` row, RFC 7047 over the
/// `vswitch.ovsschema`): what Patchbay needs to choose a datapath and an interface type.
public struct OVSSystem: Sendable, Hashable, Codable {
    /// `ovs_version`, e.g. "3.1.0"; nil until ovs-vswitchd has written it.
    public var version: String?
    /// `datapath_types`: "system" needs the openvswitch kernel module, "netdev" is the userspace
    /// datapath. ovs-vswitchd lists both even where the module is missing.
    public var datapathTypes: [String]
    /// `iface_types`: "dpdkvhostuserclient" appears only in a DPDK build.
    public var interfaceTypes: [String]
    /// `dpdk_initialized`: the EAL came up (other_config:dpdk-init=true and it worked).
    public var dpdkInitialized: Bool
    /// `dpdk_version`, e.g. "DPDK 22.11.11"; nil in a build without DPDK.
    public var dpdkVersion: String?

    public init(version: String? = nil, datapathTypes: [String] = [], interfaceTypes: [String] = [],
                dpdkInitialized: Bool = false, dpdkVersion: String? = nil) {
        self.version = version
        self.datapathTypes = datapathTypes
        self.interfaceTypes = interfaceTypes
        self.dpdkInitialized = dpdkInitialized
        self.dpdkVersion = dpdkVersion
    }
}

/// A bridge to create (`Bridge` row with its internal `Port` and `Interface` of the same name, as
/// `ovs-vsctl add-br` makes it).
public struct OVSBridgeSpec: Sendable, Hashable, Codable {
    public var name: String
    /// "netdev" or "system"; empty leaves OVS's default ("system").
    public var datapathType: String
    /// Bridge `external_ids`: Patchbay writes its ownership tag here.
    public var externalIDs: [String: String]

    public init(name: String, datapathType: String, externalIDs: [String: String] = [:]) {
        self.name = name
        self.datapathType = datapathType
        self.externalIDs = externalIDs
    }
}

/// A bridge as OVS has it now.
public struct OVSBridgeState: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String
    public var datapathType: String
    public var externalIDs: [String: String]
    /// Its ports (the internal port of the bridge's own name included).
    public var ports: [OVSPortState]

    public init(name: String, uuid: String, datapathType: String, externalIDs: [String: String] = [:], ports: [OVSPortState] = []) {
        self.name = name
        self.uuid = uuid
        self.datapathType = datapathType
        self.externalIDs = externalIDs
        self.ports = ports
    }
}

/// The VLAN columns of a `Port` row: `tag`, `trunks`, `vlan_mode` (ovs-vswitchd.conf.db(5)).
public struct OVSVLAN: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable {
        case access, trunk
        case nativeTagged = "native-tagged"
        case nativeUntagged = "native-untagged"
    }

    public var tag: UInt16?
    public var trunks: [UInt16]
    public var mode: Mode?

    public init(tag: UInt16? = nil, trunks: [UInt16] = [], mode: Mode? = nil) {
        self.tag = tag
        self.trunks = trunks
        self.mode = mode
    }

    public static let none = OVSVLAN()
}

/// Egress shaping for traffic OVS sends to the port (a `QoS` row on the port): "linux-htb" on the
/// kernel datapath, "egress-policer" on the userspace one, which has no HTB.
public struct OVSQoS: Sendable, Hashable, Codable {
    public var type: String
    /// QoS `other_config` (e.g. `max-rate` in bit/s for linux-htb; `cir` in bytes/s and `cbs` in
    /// bytes for egress-policer).
    public var otherConfig: [String: String]

    public init(type: String, otherConfig: [String: String]) {
        self.type = type
        self.otherConfig = otherConfig
    }
}

/// A port to add: one `Port` row with one `Interface` row of the same name (what
/// `ovs-vsctl add-port BRIDGE NAME -- set Interface NAME type=... external_ids:...` writes).
public struct OVSPortSpec: Sendable, Hashable, Codable {
    public var name: String
    /// Interface `type`: "" (a device of the host's: Patchbay's TAP), "internal",
    /// "dpdkvhostuserclient" (vhost-user, OVS connects to the socket QEMU serves).
    public var interfaceType: String
    /// Interface `options` (e.g. `vhost-server-path` for dpdkvhostuserclient).
    public var options: [String: String]
    /// Interface `external_ids`: libvirt's `iface-id`, `attached-mac`, `vm-uuid`, `iface-status`,
    /// and Patchbay's ownership tag.
    public var externalIDs: [String: String]
    public var vlan: OVSVLAN
    /// Interface `ingress_policing_rate` (kbit/s) and `ingress_policing_burst` (kbit): what the
    /// guest sends. 0 means no policing.
    public var ingressPolicingRate: Int
    public var ingressPolicingBurst: Int
    /// What the guest receives; nil for none.
    public var qos: OVSQoS?

    public init(name: String, interfaceType: String = "", options: [String: String] = [:], externalIDs: [String: String] = [:],
                vlan: OVSVLAN = .none, ingressPolicingRate: Int = 0, ingressPolicingBurst: Int = 0, qos: OVSQoS? = nil) {
        self.name = name
        self.interfaceType = interfaceType
        self.options = options
        self.externalIDs = externalIDs
        self.vlan = vlan
        self.ingressPolicingRate = ingressPolicingRate
        self.ingressPolicingBurst = ingressPolicingBurst
        self.qos = qos
    }
}

/// A port and its (first) interface as OVS has them now.
public struct OVSPortState: Sendable, Hashable, Codable {
    public var name: String
    public var interfaceType: String
    public var options: [String: String]
    public var externalIDs: [String: String]
    public var vlan: OVSVLAN
    public var ingressPolicingRate: Int
    public var ingressPolicingBurst: Int
    /// The QoS row's type and other_config, when the port has one.
    public var qos: OVSQoS?
    /// Interface `ofport`: the OpenFlow port number; nil or -1 until (or unless) ovs-vswitchd
    /// opened the device.
    public var ofport: Int?
    /// Interface `error`: why ovs-vswitchd could not open the device.
    public var error: String?
    /// Interface `link_state` and `admin_state` ("up"/"down").
    public var linkState: String?
    public var adminState: String?
    /// Interface `mac_in_use`.
    public var macInUse: String?
    /// Interface `statistics` (rx_packets, tx_bytes, ...).
    public var statistics: [String: Int]

    public init(name: String, interfaceType: String = "", options: [String: String] = [:], externalIDs: [String: String] = [:],
                vlan: OVSVLAN = .none, ingressPolicingRate: Int = 0, ingressPolicingBurst: Int = 0, qos: OVSQoS? = nil,
                ofport: Int? = nil, error: String? = nil, linkState: String? = nil, adminState: String? = nil,
                macInUse: String? = nil, statistics: [String: Int] = [:]) {
        self.name = name
        self.interfaceType = interfaceType
        self.options = options
        self.externalIDs = externalIDs
        self.vlan = vlan
        self.ingressPolicingRate = ingressPolicingRate
        self.ingressPolicingBurst = ingressPolicingBurst
        self.qos = qos
        self.ofport = ofport
        self.error = error
        self.linkState = linkState
        self.adminState = adminState
        self.macInUse = macInUse
        self.statistics = statistics
    }
}
