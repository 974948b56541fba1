import PatchbayEngine
import PatchbayModel
import Synchronization

/// A hostdev kernel without hardware, for engine tests: pools per PF or `<address>` list, a
/// record of every prepare and release, VFs bound to vfio-pci by `managed` networks, and an
/// injectable failure per operation. The pool honours the real adapter's refusals (unknown PF,
/// no VFs enabled, an address that is not one of the PF's VFs).
final class FakeHostdev: HostdevManaging {
    enum Call: Hashable {
        case pool(network: String)
        case prepare(PCIAddress, VirtualFunctionConfig, managed: Bool)
        case release(PCIAddress)
    }

    struct State {
        /// PF name → its VFs (empty: SR-IOV present, no VFs enabled).
        var pfs: [String: [VirtualFunction]] = [:]
        var calls: [Call] = []
        /// Addresses bound to vfio-pci by `prepare` and not given back yet.
        var bound: Set<PCIAddress> = []
        /// VF address → the config it holds now (what `ip link show dev PF` would show).
        var configured: [PCIAddress: VirtualFunctionConfig] = [:]
        var failPrepare: PatchbayError?
        var failRelease: PatchbayError?
    }

    let state = Mutex(State())

    /// `count` VFs of `pf` at 0000:BB:10.F (numbers 0…), with netdevs `PFvN` on their host driver.
    init(pf: String = "eno1", bus: UInt8 = 3, count: Int = 4) {
        var vfs: [VirtualFunction] = []
        for number in 0..<count {
            vfs.append(VirtualFunction(pf: pf, number: UInt32(number),
                                       address: PCIAddress(domain: 0, bus: bus, slot: 0x10 + UInt8(number / 8), function: UInt8(number % 8)),
                                       netdev: "\(pf)v\(number)", driver: "ixgbevf"))
        }
        state.withLock { $0.pfs[pf] = vfs }
    }

    var calls: [Call] { state.withLock { $0.calls } }
    var bound: Set<PCIAddress> { state.withLock { $0.bound } }
    func failNextPrepare(_ error: PatchbayError) { state.withLock { $0.failPrepare = error } }
    func failNextRelease(_ error: PatchbayError) { state.withLock { $0.failRelease = error } }

    func pool(of forward: ForwardDefinition, network: String) async throws(PatchbayError) -> [VirtualFunction] {
        try state.withLock { (s: inout State) throws(PatchbayError) -> [VirtualFunction] in
            s.calls.append(.pool(network: network))
            let all = s.pfs.values.flatMap { $0 }
            if !forward.pciAddresses.isEmpty {
                return try forward.pciAddresses.map { (address: PCIAddress) throws(PatchbayError) -> VirtualFunction in
                    guard let vf = all.first(where: { $0.address == address }) else {
                        throw PatchbayError(.notFound, "no PCI device \(address)")
                    }
                    return vf
                }
            }
            guard let pf = forward.pf, let vfs = s.pfs[pf] else {
                throw PatchbayError(.notFound, "no network device '\(forward.pf ?? "")' to take SR-IOV virtual functions from")
            }
            guard !vfs.isEmpty else {
                throw PatchbayError(.operationInvalid, "'\(pf)' has no virtual functions enabled (sriov_numvfs is 0)")
            }
            return vfs.sorted { $0.number < $1.number }
        }
    }

    func prepare(_ vf: VirtualFunction, config: VirtualFunctionConfig, forward: ForwardDefinition) async throws(PatchbayError) -> HostdevAssignment {
        try state.withLock { (s: inout State) throws(PatchbayError) -> HostdevAssignment in
            s.calls.append(.prepare(vf.address, config, managed: forward.managed))
            if let error = s.failPrepare {
                s.failPrepare = nil
                throw error
            }
            let previous = s.configured[vf.address]
            s.configured[vf.address] = config
            let bind = forward.managed && !s.bound.contains(vf.address)
            if bind { s.bound.insert(vf.address) }
            return HostdevAssignment(vf: vf, boundToVFIO: bind, previousDriver: vf.driver, previousMAC: previous?.mac,
                                     previousVLAN: previous?.vlan,
                                     plug: .init(address: vf.address, managed: forward.managed, driverName: forward.driverName,
                                                 driverModel: forward.driverModel))
        }
    }

    func release(_ assignment: HostdevAssignment) async throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            s.calls.append(.release(assignment.vf.address))
            if let error = s.failRelease {
                s.failRelease = nil
                throw error
            }
            if assignment.boundToVFIO { s.bound.remove(assignment.vf.address) }
            s.configured[assignment.vf.address] = nil
        }
    }
}
