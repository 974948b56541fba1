import PatchbayModel

/// Where a network puts its ports: libvirt's networkAllocatePort switch on the forward type, which
/// also decides the `<plug>` a port shows. Pure, so the choice is unit-tested on definitions alone.
enum PortPlacement: Sendable, Hashable {
    /// isolated, nat, route, open: the bridge the network makes (`<plug type='network'>`).
    case ownedBridge(String)
    /// `<forward mode='bridge'/>` with `<bridge name>`: a bridge the host has and Patchbay does not
    /// own (`<plug type='bridge'>`).
    case hostBridge(String)
    /// bridge (without a bridge name), private, vepa, passthrough: a macvtap on a NIC of the
    /// pool (`<plug type='direct'>`).
    case direct(NetworkPortDefinition.DirectMode, pool: [String])
    /// SR-IOV virtual functions assigned to the guest (`<plug type='hostdev-pci'>`).
    case hostdev
    /// An Open vSwitch bridge (`<virtualport type='openvswitch'/>` on the network or a
    /// portgroup). `owned`: Patchbay creates it, tags it in its `external_ids` and deletes it at
    /// stop (isolated, nat, route and open networks, and a bridge-mode network that names no
    /// bridge); otherwise it is the administrator's and must exist, as libvirt requires.
    case ovs(bridge: String, owned: Bool)
    /// What this version cannot place yet, with the reason.
    case unsupported(String)

    init(_ definition: NetworkDefinition) {
        let forward = definition.forward
        let openvswitch = Self.usesOpenvSwitch(definition)
        switch forward.mode {
        case .none, .nat, .route, .open:
            self = openvswitch ? .ovs(bridge: definition.bridge.name ?? "", owned: true) : .ownedBridge(definition.bridge.name ?? "")
        case .bridge where openvswitch:
            if let name = definition.bridge.name {
                self = .ovs(bridge: name, owned: false)
            } else {
                self = .ovs(bridge: Self.ovsBridgeName(definition.uuid), owned: true)
            }
        case .bridge where definition.bridge.name != nil:
            self = .hostBridge(definition.bridge.name ?? "")
        case .bridge, .private, .vepa, .passthrough:
            let mode: NetworkPortDefinition.DirectMode = switch forward.mode {
            case .private: .private
            case .vepa: .vepa
            case .passthrough: .passthrough
            default: .bridge
            }
            if forward.pf != nil {
                self = .unsupported("a macvtap network over the virtual functions of <pf dev='\(forward.pf ?? "")'/> is not supported yet; list the NICs with <interface dev>")
            } else {
                self = .direct(mode, pool: forward.interfaces.map(\.dev))
            }
        case .hostdev:
            self = .hostdev
        }
    }

    /// The Linux bridge ports are enslaved to, for the placements that have one.
    var bridge: String? {
        switch self {
        case .ownedBridge(let name), .hostBridge(let name): name
        case .direct, .hostdev, .ovs, .unsupported: nil
        }
    }

    /// The Open vSwitch bridge, for OVS networks.
    var ovsBridge: String? {
        if case .ovs(let bridge, _) = self { return bridge }
        return nil
    }

    /// libvirt's rule (virNetDevVPortProfileMerge3): a `<virtualport>` without a type in a
    /// portgroup takes the network's, so `<virtualport type='openvswitch'/>` on the network, or
    /// on any portgroup, makes the network an Open vSwitch one.
    static func usesOpenvSwitch(_ definition: NetworkDefinition) -> Bool {
        definition.virtualPort?.type == .openvswitch || definition.portGroups.contains { $0.virtualPort?.type == .openvswitch }
    }

    /// The bridge Patchbay makes for a bridge-mode OVS network that names none (libvirt's
    /// openvswitch-net test network): derived from the UUID, so it needs no storing and is the
    /// same after every restart; at most 15 bytes, as the kernel's device of that name must be.
    static func ovsBridgeName(_ uuid: NetworkUUID) -> String {
        "pbovs" + String(uuid.description.filter { $0 != "-" }.prefix(10))
    }

    var isHostBridge: Bool {
        if case .hostBridge = self { return true }
        return false
    }

    var isDirect: Bool {
        if case .direct = self { return true }
        return false
    }

    /// libvirt's choice of a NIC from a direct network's pool (networkAllocatePort): passthrough
    /// needs a NIC nobody uses (the first such in pool order); the other modes share, and take the
    /// least used NIC, the first of equals. nil when passthrough finds none free.
    static func pickDevice(pool: [String], connections: [String: Int], exclusive: Bool) -> String? {
        if exclusive { return pool.first { (connections[$0] ?? 0) == 0 } }
        var best: String?
        for device in pool where best == nil || (connections[device] ?? 0) < (connections[best ?? ""] ?? 0) { best = device }
        return best
    }
}
