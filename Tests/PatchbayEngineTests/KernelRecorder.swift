import PatchbayEngine
import PatchbayModel
import Synchronization

/// A stand-in for the kernel in unit tests of the engine's ordering and undo logic: it keeps the
/// links and addresses it was asked to create, records every call, and fails on request. What the
/// real kernel does with the same calls is covered by the namespace tests.
final class KernelRecorder: LinkManaging {
    struct State {
        var links: [String: LinkSnapshot] = [:]
        var addresses: [String: [InterfaceAddress]] = [:]
        var calls: [String] = []
        var failOn: String?
    }

    let state = Mutex(State())

    var calls: [String] { state.withLock { $0.calls } }
    var linkNamesNow: Set<String> { state.withLock { Set($0.links.keys) } }
    func addresses(on name: String) -> [InterfaceAddress] { state.withLock { $0.addresses[name] ?? [] } }
    func failOn(_ call: String?) { state.withLock { $0.failOn = call } }
    func clearCalls() { state.withLock { $0.calls = [] } }

    /// Puts a device in place as if someone else had created it.
    func preexisting(_ name: String, kind: String = "dummy") {
        state.withLock { $0.links[name] = LinkSnapshot(name: name, kind: kind, mtu: 1500, mac: nil, isUp: true, stp: nil, forwardDelayCentiseconds: nil) }
    }

    func mutate(_ name: String, _ change: (inout LinkSnapshot) -> Void) {
        state.withLock { if var link = $0.links[name] { change(&link); $0.links[name] = link } }
    }

    func removeAddress(_ address: InterfaceAddress, from name: String) {
        state.withLock { $0.addresses[name]?.removeAll { $0 == address } }
    }

    private func record(_ call: String) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            s.calls.append(call)
            if s.failOn == call { throw PatchbayError(.kernel, call, cause: "injected failure") }
        }
    }

    func link(named name: String) throws(PatchbayError) -> LinkSnapshot? { state.withLock { $0.links[name] } }

    func linkNames() throws(PatchbayError) -> Set<String> { linkNamesNow }

    func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) throws(PatchbayError) {
        try record("createBridge \(name)")
        state.withLock {
            $0.links[name] = LinkSnapshot(name: name, kind: "bridge", mtu: mtu ?? 1500, mac: mac, isUp: false, stp: stp,
                                          forwardDelayCentiseconds: stp ? max(delaySeconds * 100, 200) : delaySeconds * 100)
        }
    }

    func disableTxChecksumOffload(named name: String) throws(PatchbayError) {
        try record("disableTxChecksumOffload \(name)")
    }

    func enableDisabledPorts(ofBridge name: String) throws(PatchbayError) -> [String] {
        try record("enableDisabledPorts \(name)")
        return []
    }

    func setBridgeOptions(name: String, stp: Bool, delaySeconds: Int) throws(PatchbayError) {
        try record("setBridgeOptions \(name)")
        mutate(name) { $0.stp = stp; $0.forwardDelayCentiseconds = stp ? max(delaySeconds * 100, 200) : delaySeconds * 100 }
    }

    func setMTU(named name: String, _ mtu: Int) throws(PatchbayError) {
        try record("setMTU \(name) \(mtu)")
        mutate(name) { $0.mtu = mtu }
    }

    func setLinkUp(named name: String, _ up: Bool) throws(PatchbayError) {
        try record("set \(name) \(up ? "up" : "down")")
        mutate(name) { $0.isUp = up }
    }

    func deleteLink(named name: String) throws(PatchbayError) {
        try record("deleteLink \(name)")
        state.withLock {
            $0.links[name] = nil
            $0.addresses[name] = nil
        }
    }

    func addAddress(_ address: InterfaceAddress, to name: String) throws(PatchbayError) {
        try record("addAddress \(address) \(name)")
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard s.links[name] != nil else { throw PatchbayError(.kernel, "no device \(name)") }
            s.addresses[name, default: []].append(address)
        }
    }

    func deleteAddress(_ address: InterfaceAddress, from name: String) throws(PatchbayError) {
        try record("deleteAddress \(address) \(name)")
        state.withLock { $0.addresses[name]?.removeAll { $0 == address } }
    }

    func addresses(of name: String) throws(PatchbayError) -> [InterfaceAddress] { addresses(on: name) }
}
