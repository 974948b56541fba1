import PatchbayEngine
import PatchbayModel
import Synchronization

/// Open vSwitch as the engine sees it, in memory: bridges with their ports, and ovs-vswitchd's
/// one side effect the engine waits for (a new bridge's internal device appears in the kernel).
/// `down` makes every call fail as an unreachable ovsdb-server does.
final class FakeOVS: OVSManaging, Sendable {
    struct State {
        var bridges: [String: OVSBridgeState] = [:]
        var down = false
        var system = OVSSystem(version: "3.1.0", datapathTypes: ["netdev", "system"], interfaceTypes: ["internal", "tap", "system"])
        var calls: [String] = []
    }

    let state = Mutex(State())
    let kernel: KernelRecorder
    static let socket = "/run/test/db.sock"

    init(kernel: KernelRecorder) { self.kernel = kernel }

    var down: Bool {
        get { state.withLock { $0.down } }
        set { state.withLock { $0.down = newValue } }
    }
    var calls: [String] { state.withLock { $0.calls } }

    func setSystem(_ system: OVSSystem) { state.withLock { $0.system = system } }

    /// Adds a bridge as an administrator would (`ovs-vsctl add-br`).
    func addBridge(_ name: String, datapath: String = "netdev") {
        state.withLock { $0.bridges[name] = OVSBridgeState(name: name, uuid: "u-\(name)", datapathType: datapath) }
        _ = kernel.preexisting(name, kind: "tun")
    }

    func port(_ name: String) -> OVSPortState? {
        state.withLock { $0.bridges.values.lazy.compactMap { $0.ports.first { $0.name == name } }.first }
    }

    private func check(_ call: String) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard !s.down else { throw PatchbayError(.unavailable, "cannot reach ovsdb-server at \(Self.socket): Open vSwitch is not running") }
            s.calls.append(call)
        }
    }

    func system() async throws(PatchbayError) -> OVSSystem {
        try check("system")
        return state.withLock { $0.system }
    }

    func bridge(named name: String) async throws(PatchbayError) -> OVSBridgeState? {
        try check("bridge \(name)")
        return state.withLock { $0.bridges[name] }
    }

    func bridgeNames() async throws(PatchbayError) -> [String] {
        try check("bridgeNames")
        return state.withLock { $0.bridges.keys.sorted() }
    }

    func createBridge(_ spec: OVSBridgeSpec) async throws(PatchbayError) {
        try check("createBridge \(spec.name) \(spec.datapathType)")
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard s.bridges[spec.name] == nil else { throw PatchbayError(.alreadyExists, "bridge \(spec.name) exists") }
            s.bridges[spec.name] = OVSBridgeState(name: spec.name, uuid: "u-\(spec.name)", datapathType: spec.datapathType,
                                                  externalIDs: spec.externalIDs, ports: [OVSPortState(name: spec.name, interfaceType: "internal")])
        }
        _ = kernel.preexisting(spec.name, kind: "tun")
    }

    func deleteBridge(named name: String) async throws(PatchbayError) {
        try check("deleteBridge \(name)")
        state.withLock { _ = $0.bridges.removeValue(forKey: name) }
        if let device = kernel.snapshot(named: name) { try? await kernel.deleteLink(index: device.index) }
    }

    func addPort(bridge: String, _ spec: OVSPortSpec) async throws(PatchbayError) {
        try check("addPort \(bridge) \(spec.name)")
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard var state = s.bridges[bridge] else { throw PatchbayError(.notFound, "no bridge \(bridge)") }
            let row = OVSPortState(name: spec.name, interfaceType: spec.interfaceType, options: spec.options, externalIDs: spec.externalIDs,
                                   vlan: spec.vlan, ingressPolicingRate: spec.ingressPolicingRate,
                                   ingressPolicingBurst: spec.ingressPolicingBurst, qos: spec.qos, ofport: 1, linkState: "up")
            state.ports.removeAll { $0.name == spec.name }
            state.ports.append(row)
            s.bridges[bridge] = state
        }
    }

    func deletePort(named name: String) async throws(PatchbayError) {
        try check("deletePort \(name)")
        state.withLock { s in
            for key in Array(s.bridges.keys) { s.bridges[key]?.ports.removeAll { $0.name == name } }
        }
    }

    func ports(withExternalID key: String, value: String) async throws(PatchbayError) -> [(bridge: String, port: OVSPortState)] {
        try check("ports \(key)")
        return state.withLock { s in
            s.bridges.values.flatMap { bridge in bridge.ports.filter { $0.externalIDs[key] == value }.map { (bridge.name, $0) } }
        }
    }

    func watch(_ changed: @escaping @Sendable () async -> Void) async throws(PatchbayError) {
        try check("watch")
    }
}
