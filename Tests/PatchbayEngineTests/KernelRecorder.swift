import PatchbayEngine
import PatchbayModel
import Synchronization

/// A stand-in for the kernel in unit tests of the engine's ordering, undo, ownership and
/// concurrency logic: it keeps the devices (with index, alias and master) and addresses it was
/// asked to create, records every call, fails on request, and can suspend every call (`gate`) so
/// that overlapping operations really interleave. What the real kernel does with the same calls
/// is covered by the namespace tests.
final class KernelRecorder: LinkManaging {
    struct Device {
        var snapshot: LinkSnapshot
        var addresses: [InterfaceAddress] = []
        var namespace: String?
        var bridgeControls = BridgeControls()  // bridge controls (issue 13)
        var portControls = PortBridgeControls()  // bridge controls (issue 13)
    }

    struct State {
        var devices: [Int32: Device] = [:]
        var nextIndex: Int32 = 10
        var calls: [String] = []
        var failOn: String?
        var namespaces: Set<String> = []
        var processes: [Int32: UInt64] = [:]
        var vlanFiltering: Bool? = nil
        var vlans: [Int32: [BridgeVLANEntry]] = [:]
        var staticFDB: [Int32: [KernelFDBEntry]] = [:]  // bridge controls (issue 13): by bridge index
    }

    let state = Mutex(State())
    /// Awaited at the start of every call: a test makes it yield, or stall until told.
    let gate: @Sendable (String) async -> Void

    init(gate: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.gate = gate
    }

    var calls: [String] { state.withLock { $0.calls } }
    var linkNamesNow: Set<String> { state.withLock { Set($0.devices.values.map(\.snapshot.name)) } }
    func snapshot(named name: String) -> LinkSnapshot? { state.withLock { $0.devices.values.first { $0.snapshot.name == name }?.snapshot } }
    func addresses(on name: String) -> [InterfaceAddress] {
        state.withLock { $0.devices.values.first { $0.snapshot.name == name }?.addresses ?? [] }
    }
    func failOn(_ call: String?) { state.withLock { $0.failOn = call } }
    func clearCalls() { state.withLock { $0.calls = [] } }
    func addNamespace(_ name: String) { _ = state.withLock { $0.namespaces.insert(name) } }

    /// Puts a device in place as if someone else had created it.
    @discardableResult
    func preexisting(_ name: String, kind: String = "dummy", alias: String? = nil) -> Int32 {
        state.withLock { s in
            let index = s.nextIndex
            s.nextIndex += 1
            s.devices[index] = Device(snapshot: LinkSnapshot(name: name, index: index, kind: kind, mtu: 1500, isUp: true, alias: alias))
            return index
        }
    }

    func mutate(_ name: String, _ change: (inout LinkSnapshot) -> Void) {
        state.withLock { s in
            if let index = s.devices.first(where: { $0.value.snapshot.name == name })?.key { change(&s.devices[index]!.snapshot) }
        }
    }

    func removeAddress(_ address: InterfaceAddress, from name: String) {
        state.withLock { s in
            if let index = s.devices.first(where: { $0.value.snapshot.name == name })?.key { s.devices[index]!.addresses.removeAll { $0 == address } }
        }
    }

    /// Removes a device behind the engine's back (a host reboot, `ip link del`).
    func vanish(_ name: String) {
        state.withLock { s in
            if let index = s.devices.first(where: { $0.value.snapshot.name == name })?.key { s.devices[index] = nil }
        }
    }

    /// Temporary names are random; calls show them as TEMP.
    private static func shown(_ name: String) -> String { name.hasPrefix("pbtmp") ? "TEMP" : name }

    private func record(_ call: String) async throws(PatchbayError) {
        await gate(call)
        try state.withLock { (s: inout State) throws(PatchbayError) in
            s.calls.append(call)
            if s.failOn == call { throw PatchbayError(.kernel, call, cause: "injected failure") }
        }
    }

    private func name(_ index: Int32) -> String { state.withLock { $0.devices[index].map { Self.shown($0.snapshot.name) } ?? "#\(index)" } }

    private func change(_ index: Int32, _ body: (inout Device) throws(PatchbayError) -> Void) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard var device = s.devices[index] else { throw PatchbayError(.notFound, "no device \(index)") }
            try body(&device)
            s.devices[index] = device
        }
    }

    private func create(_ snapshot: LinkSnapshot) throws(PatchbayError) -> LinkSnapshot {
        try state.withLock { (s: inout State) throws(PatchbayError) -> LinkSnapshot in
            guard !s.devices.values.contains(where: { $0.snapshot.name == snapshot.name }) else {
                throw PatchbayError(.alreadyExists, "device \(snapshot.name) exists")
            }
            var created = snapshot
            created.index = s.nextIndex
            s.nextIndex += 1
            s.devices[created.index] = Device(snapshot: created)
            return created
        }
    }

    func links() async throws(PatchbayError) -> [LinkSnapshot] { state.withLock { $0.devices.values.map(\.snapshot) } }
    func link(named name: String) async throws(PatchbayError) -> LinkSnapshot? { snapshot(named: name) }
    func link(index: Int32) async throws(PatchbayError) -> LinkSnapshot? { state.withLock { $0.devices[index]?.snapshot } }

    func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) async throws(PatchbayError) -> LinkSnapshot {
        try await record("createBridge \(Self.shown(name))")
        return try create(LinkSnapshot(name: name, index: 0, kind: "bridge", mtu: mtu ?? 1500, mac: mac, isUp: false, stp: stp,
                                       forwardDelayCentiseconds: stp ? max(delaySeconds * 100, 200) : delaySeconds * 100))
    }

    func setBridgeOptions(index: Int32, stp: Bool, delaySeconds: Int) async throws(PatchbayError) {
        try await record("setBridgeOptions \(name(index))")
        try change(index) { $0.snapshot.stp = stp; $0.snapshot.forwardDelayCentiseconds = stp ? max(delaySeconds * 100, 200) : delaySeconds * 100 }
    }

    func enableDisabledPorts(ofBridge index: Int32) async throws(PatchbayError) -> [String] {
        try await record("enableDisabledPorts \(name(index))")
        return []
    }

    func disableTxChecksumOffload(named name: String) async throws(PatchbayError) {
        try await record("disableTxChecksumOffload \(Self.shown(name))")
    }

    func disableTxChecksumOffload(named name: String, namespace: String) async throws(PatchbayError) {
        try await record("disableTxChecksumOffload \(Self.shown(name)) in \(namespace)")
    }

    func setAlias(index: Int32, _ alias: String) async throws(PatchbayError) {
        try await record("setAlias \(name(index))")
        try change(index) { $0.snapshot.alias = alias.isEmpty ? nil : alias }
    }

    func rename(index: Int32, to newName: String) async throws(PatchbayError) {
        try await record("rename \(name(index)) \(newName)")
        let taken = state.withLock { $0.devices.values.contains { $0.snapshot.name == newName && $0.snapshot.index != index } }
        if taken { throw PatchbayError(.alreadyExists, "rename to \(newName)", cause: "File exists") }
        try change(index) { $0.snapshot.name = newName }
    }

    func setMTU(index: Int32, _ mtu: Int) async throws(PatchbayError) {
        try await record("setMTU \(name(index)) \(mtu)")
        try change(index) { $0.snapshot.mtu = mtu }
    }

    func setMAC(index: Int32, _ mac: MACAddress) async throws(PatchbayError) {
        try await record("setMAC \(name(index)) \(mac)")
        try change(index) { $0.snapshot.mac = mac }
        // As the kernel does: a passthrough macvtap's MAC is its NIC's.
        if let device = state.withLock({ $0.devices[index]?.snapshot }), device.directMode == .passthrough, let lower = device.lowerIndex {
            try change(lower) { $0.snapshot.mac = mac }
        }
    }

    func setLinkUp(index: Int32, _ up: Bool) async throws(PatchbayError) {
        try await record("set \(name(index)) \(up ? "up" : "down")")
        try change(index) { $0.snapshot.isUp = up }
    }

    func setMaster(index: Int32, masterIndex: Int32) async throws(PatchbayError) {
        try await record("setMaster \(name(index)) \(masterIndex == 0 ? "none" : name(masterIndex))")
        try change(index) { $0.snapshot.masterIndex = masterIndex == 0 ? nil : masterIndex }
    }

    func deleteLink(index: Int32) async throws(PatchbayError) {
        try await record("deleteLink \(name(index))")
        state.withLock { s in
            s.devices[index] = nil
            for (other, device) in s.devices where device.snapshot.masterIndex == index { s.devices[other]?.snapshot.masterIndex = nil }
        }
    }

    func addAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError) {
        try await record("addAddress \(address) \(name(index))")
        try change(index) { $0.addresses.append(address) }
    }

    func deleteAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError) {
        try await record("deleteAddress \(address) \(name(index))")
        try change(index) { $0.addresses.removeAll { $0 == address } }
    }

    func addresses(index: Int32) async throws(PatchbayError) -> [InterfaceAddress] {
        state.withLock { $0.devices[index]?.addresses ?? [] }
    }

    func createTap(name: String, multiQueue: Bool, owner: UInt32?, group: UInt32?) async throws(PatchbayError) -> LinkSnapshot {
        try await record("createTap \(Self.shown(name))")
        return try create(LinkSnapshot(name: name, index: 0, kind: "tun"))
    }

    func createVeth(name: String, peer: String, peerMAC: MACAddress, namespace: String) async throws(PatchbayError) -> LinkSnapshot {
        try await record("createVeth \(Self.shown(name)) \(namespace)")
        return try create(LinkSnapshot(name: name, index: 0, kind: "veth"))
    }

    func namespaceExists(_ name: String) async -> Bool { state.withLock { $0.namespaces.contains(name) } }

    func createMacvtap(name: String, lowerIndex: Int32, mode: NetworkPortDefinition.DirectMode, mac: MACAddress) async throws(PatchbayError) -> LinkSnapshot {
        try await record("createMacvtap \(Self.shown(name)) on \(self.name(lowerIndex)) \(mode.rawValue)")
        guard let lower = state.withLock({ $0.devices[lowerIndex]?.snapshot }) else { throw PatchbayError(.notFound, "no device \(lowerIndex)") }
        // As the kernel does: in passthrough the macvtap takes its NIC's MAC, whatever it was given.
        return try create(LinkSnapshot(name: name, index: 0, kind: "macvtap", mac: mode == .passthrough ? lower.mac : mac,
                                       lowerIndex: lowerIndex, directMode: mode))
    }

    /// Processes the fake knows of, by pid: their start times.
    func setProcess(_ pid: Int32, startTime: UInt64?) { state.withLock { $0.processes[pid] = startTime } }

    func processStartTime(_ pid: Int32) async -> UInt64? { state.withLock { $0.processes[pid] } }

    /// nil: a kernel without CONFIG_BRIDGE_VLAN_FILTERING (this machine's).
    func setVLANFiltering(_ value: Bool?) { state.withLock { $0.vlanFiltering = value } }
    func vlans(of name: String) -> [BridgeVLANEntry] {
        state.withLock { s in s.devices.values.first { $0.snapshot.name == name }.map { s.vlans[$0.snapshot.index] ?? [] } ?? [] }
    }

    func bridgeVLANFiltering(index: Int32) async throws(PatchbayError) -> Bool? {
        try await record("probe VLAN filtering \(name(index))")
        return state.withLock { $0.vlanFiltering }
    }

    func setBridgeVLANs(portIndex: Int32, _ entries: [BridgeVLANEntry]) async throws(PatchbayError) {
        try await record("set VLANs \(name(portIndex)) \(entries.map(\.description).joined(separator: ", "))")
        state.withLock { $0.vlans[portIndex] = entries }
    }

    func bridgePorts(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [BridgePortStatus] {
        state.withLock { s in
            s.devices.values.filter { $0.snapshot.masterIndex == bridgeIndex }.map {
                BridgePortStatus(index: $0.snapshot.index, name: $0.snapshot.name, state: .forwarding, carrier: $0.snapshot.isUp)
            }
        }
    }

    func guestStatistics(index: Int32) async throws(PatchbayError) -> InterfaceStatistics? {
        state.withLock { $0.devices[index].map { InterfaceStatistics(interface: $0.snapshot.name, rxBytes: 0, rxPackets: 0, rxErrs: 0, rxDrop: 0,
                                                                       txBytes: 0, txPackets: 0, txErrs: 0, txDrop: 0) } }
    }
}

// MARK: - Bridge controls (issue 13, item 7)
extension KernelRecorder {
    func setBridgeControls(index: Int32, _ controls: BridgeControls) async throws(PatchbayError) {
        try await record("setBridgeControls \(name(index))")
        try change(index) { $0.bridgeControls = $0.bridgeControls.merging(controls) }
    }

    func bridgeControls(index: Int32) async throws(PatchbayError) -> BridgeControls? {
        state.withLock { $0.devices[index]?.bridgeControls }
    }

    /// Empty controls are no call, as in `KernelLinks`, so the call lists of older tests hold.
    func setPortBridgeControls(index: Int32, _ controls: PortBridgeControls) async throws(PatchbayError) {
        guard !controls.isEmpty else { return }
        try await record("setPortBridgeControls \(name(index))")
        try change(index) { $0.portControls = $0.portControls.merging(controls) }
    }

    func portBridgeControls(index: Int32) async throws(PatchbayError) -> PortBridgeControls? {
        state.withLock { $0.devices[index].flatMap { $0.snapshot.masterIndex == nil ? nil : $0.portControls } }
    }

    /// The recorder learns nothing: its table holds the static entries it was given and, learned,
    /// the MAC of every port on the bridge.
    func fdb(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [KernelFDBEntry] {
        state.withLock { s in
            let learned = s.devices.values.filter { $0.snapshot.masterIndex == bridgeIndex }.compactMap { d in
                d.snapshot.mac.map { KernelFDBEntry(mac: $0, interfaceIndex: d.snapshot.index, state: "learned", master: true) }
            }
            return learned + (s.staticFDB[bridgeIndex] ?? [])
        }
    }

    func addStaticFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError) {
        try await record("addStaticFDBEntry \(mac) \(name(portIndex))")
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard let bridge = s.devices[portIndex]?.snapshot.masterIndex else { throw PatchbayError(.notFound, "no port \(portIndex)") }
            s.staticFDB[bridge, default: []].append(KernelFDBEntry(mac: mac, vlan: vlan, interfaceIndex: portIndex, state: "static", master: true))
        }
    }

    func deleteFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError) {
        try await record("deleteFDBEntry \(mac) \(name(portIndex))")
        state.withLock { s in
            for key in s.staticFDB.keys { s.staticFDB[key]?.removeAll { $0.mac == mac && $0.vlan == vlan && $0.interfaceIndex == portIndex } }
        }
    }
}
