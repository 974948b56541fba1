import Logging
import NFTables
import NWFilter
import PatchbayModel
import PatchbayStore

/// The daemon's brain: turns API requests into store changes, driver and service calls.
///
/// Operations on one network run one at a time: each holds the network's lock (`KeyedLock`)
/// from its first read of the store to its last write, whatever it awaits in between, and
/// re-reads the record after every await before it writes. An operation writes its intent
/// (`NetworkIntent`) before its first kernel step and clears it with its outcome, so a daemon
/// killed in between finishes or undoes it at the next start (`recover()`). The engine keeps no
/// state of its own besides the locks and where the search for a free device name goes on from:
/// the store is the source of truth.
public final class NetworkEngine: Sendable {
    let store: any PatchbayStore
    let links: any LinkManaging
    let services: any NetworkServices
    let firewall: any FirewallApplying
    /// Patchbay's nwfilter tables (libvirt's network filters).
    let nwfilterFirewall: any NWFilterApplying
    /// `<bandwidth>` on ports and bridges.
    let shaper: any BandwidthShaping
    /// Learns filtered guests' addresses from their traffic (CTRL_IP_LEARNING=any).
    let addressLearner: any NWFilterAddressLearning
    /// Filters read from /etc/libvirt/nwfilter at start, by name.
    let systemNWFilters: [String: NWFilterDefinition]
    /// SR-IOV for hostdev networks; nil where the daemon runs without it.
    let hostdev: (any HostdevManaging)?
    /// Open vSwitch for `<virtualport type='openvswitch'/>` networks; nil where the daemon runs
    /// without it.
    let ovs: OVSSetup?
    /// How bridges with `stp='on'` are protected against loops.
    public let loopProtection: LoopProtection
    let faults: FaultPoints
    /// Told the set of bridges the loop guard must watch whenever it may have changed.
    let guardedBridgesChanged: @Sendable ([GuardedBridge]) -> Void
    let logger: Logger
    /// The event stream (`patchbay event`, `/v1/events`): what the engine does and what the
    /// kernel reports of Patchbay's devices.
    public let events: EventHub
    let kernelEvents = KernelEventRouter()
    /// The doctor's readings and probes of the kernel; nil where the daemon runs without them.
    let doctorProbe: (any DoctorProbing)?
    let locks = KeyedLock()
    /// Where the search for a free `vnetN` (and `macvtapN`) goes on from.
    let deviceNames = DeviceNameCounter(prefix: "vnet")
    let macvtapNames = DeviceNameCounter(prefix: "macvtap")

    public init(store: any PatchbayStore, links: any LinkManaging, services: any NetworkServices = NoNetworkServices(),
                firewall: any FirewallApplying, loopProtection: LoopProtection = .loopGuard, faults: FaultPoints = .none,
                guardedBridgesChanged: @escaping @Sendable ([GuardedBridge]) -> Void = { _ in }, hostdev: (any HostdevManaging)? = nil,
                ovs: OVSSetup? = nil, nwfilter: any NWFilterApplying = NoNWFilterFirewall(),
                systemNWFilters: [NWFilterDefinition] = [], bandwidth: any BandwidthShaping = NoBandwidthShaping(),
                addressLearner: any NWFilterAddressLearning = NoAddressLearning(), events: EventHub = EventHub(),
                doctor: (any DoctorProbing)? = nil, logger: Logger) {
        self.events = events
        self.doctorProbe = doctor
        self.nwfilterFirewall = nwfilter
        self.addressLearner = addressLearner
        self.shaper = bandwidth
        self.systemNWFilters = Dictionary(systemNWFilters.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.hostdev = hostdev
        self.ovs = ovs
        self.store = store
        self.links = links
        self.services = services
        self.firewall = firewall
        self.loopProtection = loopProtection
        self.faults = faults
        self.guardedBridgesChanged = guardedBridgesChanged
        self.logger = logger
    }

    // MARK: - Locks

    /// The lock of one network: held by every operation that changes it or its ports and forwards.
    static func networkLock(_ name: String) -> String { "network:\(name)" }
    /// Held by `net-define` around its checks of names, UUIDs and bridges across networks.
    static let defineLock = "define"
    /// Held while the firewall's desired state is read from the store and applied.
    static let firewallLock = "firewall"
    /// Held while the loop guard's bridges are read from the store and handed over.
    static let guardLock = "loop-guard"

    func withNetworkLock<T>(_ name: String, _ body: () async throws(PatchbayError) -> T) async throws(PatchbayError) -> T {
        try await locks.withLock(Self.networkLock(name), body)
    }

    // MARK: - Helpers

    func requireRecord(_ name: String) async throws(PatchbayError) -> NetworkRecord {
        guard let record = try await store.network(named: name) else {
            throw PatchbayError(.notFound, "network '\(name)' not found")
        }
        return record
    }

    /// Re-reads the record and writes `change` of it: every write after an await goes through
    /// here, so it never stores a copy read before the await.
    @discardableResult
    func mutate(_ name: String, _ change: (inout NetworkRecord) throws(PatchbayError) -> Void) async throws(PatchbayError) -> NetworkRecord {
        var record = try await requireRecord(name)
        try change(&record)
        return try await store.update(record)
    }

    func driver(for definition: NetworkDefinition) throws(PatchbayError) -> any NetworkDriver {
        switch PortPlacement(definition) {
        case .ownedBridge:
            return BridgeNetworkDriver(links: links, loopProtection: loopProtection, faults: faults, logger: logger)
        case .hostBridge:
            return HostBridgeNetworkDriver(links: links, logger: logger)
        case .direct:
            return DirectNetworkDriver(links: links, logger: logger)
        case .hostdev:
            return HostdevNetworkDriver(hostdev: hostdev)
        case .ovs:
            return OVSNetworkDriver(setup: ovs, links: links, faults: faults, logger: logger)
        case .unsupported(let reason):
            throw PatchbayError(.operationInvalid, "cannot start network '\(definition.name)': \(reason)")
        }
    }

    /// `attachment` is given for the ports of an Open vSwitch network (`ovsAttachment`).
    func portDriver(for port: NetworkPort, attachment: OVSAttachment? = nil) -> any PortDriver {
        var devices = PortDevices(links: links, faults: faults, logger: logger)
        devices.ovs = attachment
        switch (port.type, port.adopted) {
        case (.tap, false): return TapPortDriver(devices: devices)
        case (.tap, true): return AdoptedTapPortDriver(devices: devices)
        case (.veth, _): return VethPortDriver(devices: devices)
        case (.macvtap, _): return MacvtapPortDriver(devices: devices)
        case (.hostdev, _): return HostdevPortDriver(hostdev: hostdev)
        case (.vhostuser, _): return VhostUserPortDriver(attachment: attachment)
        }
    }

    /// Applies the firewall's desired state as the store has it now. Under the firewall lock, so
    /// two commits cannot apply out of order. Returns the networks whose rules were refused.
    @discardableResult
    func commitFirewall() async throws(PatchbayError) -> [(String, PatchbayError)] {
        try await locks.withLock(Self.firewallLock) { () async throws(PatchbayError) -> [(String, PatchbayError)] in
            let (state, refused) = FirewallComposer.state(records: try await store.networks(), forwards: try await store.portForwards())
            if let forwarding = FirewallComposer.forwarding(state) {
                try await firewall.enableForwarding(ipv6: forwarding.ipv6)
            }
            try await firewall.apply(state)
            return refused
        }
    }

    /// Tells the loop guard the bridges it watches now. Under a lock of its own, so that of two
    /// publications the later one, which read the store later, is the one that stays.
    func publishGuardedBridges() async {
        await locks.withLock(Self.guardLock) { () async in await publishLocked() }
    }

    private func publishLocked() async {
        do {
            let records = try await store.networks()
            let ports = try await store.ports()
            var bridges: [GuardedBridge] = []
            for record in records {
                guard let live = record.live, record.intent?.phase != .stopping, let bridge = live.bridge.name else { continue }
                let own = ports.filter { $0.network == record.name }
                switch PortPlacement(live) {
                case .ownedBridge where loopProtection.guards(live.bridge):
                    bridges.append(GuardedBridge(network: record.name, bridge: bridge, uplinks: Set(own.filter { $0.role == .uplink }.map(\.device))))
                case .hostBridge where loopProtection != .kernelSTP:
                    // The host's STP, when it runs one, is the host's: the kernel would refuse the
                    // guard's port changes anyway. Without it, the guard watches Patchbay's ports.
                    guard let link = try await links.link(named: bridge), link.stp == false else { continue }
                    bridges.append(GuardedBridge(network: record.name, bridge: bridge,
                                                 guests: Set(own.filter { $0.role == .guest }.map(\.device))))
                default:
                    continue
                }
            }
            guardedBridgesChanged(bridges)
        } catch {
            logger.error("loop guard: cannot read the networks to guard; it keeps the bridges it had", metadata: ["error": "\(error)"])
        }
    }
}
