import PatchbayEngine
import PatchbayModel
import Testing

/// libvirt's choice of a VF (networkAllocatePort: the first pool entry with no connections) and
/// its checks of a stored port's VF (networkNotifyPort), the VF config a port gets, and the fake
/// the engine's tests run hostdev networks on.
@Suite struct HostdevPoolTests {
    let fake = FakeHostdev(pf: "eno1", count: 3)

    private func pfForward(managed: Bool = true) -> ForwardDefinition {
        var forward = ForwardDefinition()
        forward.mode = .hostdev
        forward.managed = managed
        forward.pf = "eno1"
        return forward
    }

    @Test func picksTheFirstFreeVFInPoolOrder() async throws {
        let pool = try await fake.pool(of: pfForward(), network: "sriov")
        #expect(pool.map(\.number) == [0, 1, 2])
        #expect(try HostdevPool.pick(pool: pool, inUse: [], network: "sriov").number == 0)
        #expect(try HostdevPool.pick(pool: pool, inUse: [pool[0].address], network: "sriov").number == 1)
        // A freed VF in the middle is taken before the ones after it.
        #expect(try HostdevPool.pick(pool: pool, inUse: [pool[0].address, pool[2].address], network: "sriov").number == 1)
    }

    @Test func anExhaustedPoolIsRefusedNamingEveryVF() async throws {
        let pool = try await fake.pool(of: pfForward(), network: "sriov")
        let error = #expect(throws: PatchbayError.self) {
            try HostdevPool.pick(pool: pool, inUse: pool.map(\.address), network: "sriov")
        }
        #expect(error?.code == .operationInvalid)
        #expect(error?.message.contains("requires exclusive access to interfaces, but none are available") == true)
        #expect(error?.message.contains("0000:03:10.2") == true)
        #expect(throws: PatchbayError.self) { try HostdevPool.pick(pool: [], inUse: [], network: "sriov") }
    }

    @Test func aStoredPortKeepsItsVFUnlessAnotherHoldsIt() async throws {
        let pool = try await fake.pool(of: pfForward(), network: "sriov")
        #expect(try HostdevPool.claim(pool[1].address, pool: pool, inUse: [pool[0].address], network: "sriov") == pool[1])
        let taken = #expect(throws: PatchbayError.self) {
            try HostdevPool.claim(pool[1].address, pool: pool, inUse: [pool[1].address], network: "sriov")
        }
        #expect(taken?.code == .alreadyExists)
        #expect(taken?.message.contains("already in use") == true)
        let foreign = PCIAddress(domain: 0, bus: 9, slot: 0, function: 1)
        #expect(throws: PatchbayError.self) { try HostdevPool.claim(foreign, pool: pool, inUse: [], network: "sriov") }
        #expect(HostdevPool.connections([pool[0].address, pool[0].address]) == [pool[0].address: 2])
    }

    @Test func anAddressPoolKeepsItsOrder() async throws {
        var forward = ForwardDefinition()
        forward.mode = .hostdev
        forward.pciAddresses = [PCIAddress(domain: 0, bus: 3, slot: 0x10, function: 2), PCIAddress(domain: 0, bus: 3, slot: 0x10, function: 0)]
        let pool = try await fake.pool(of: forward, network: "sriov")
        #expect(pool.map(\.number) == [2, 0])
        #expect(try HostdevPool.pick(pool: pool, inUse: [], network: "sriov").number == 2)
    }

    @Test func aPortsConfigTakesOneVLANTagAndRefusesTrunks() throws {
        let mac = MACAddress("52:54:00:12:34:56")!
        let config = try VirtualFunctionConfig.forPort(mac: mac, vlan: VLANDefinition(trunk: false, tags: [VLANTag(id: 42)]),
                                                       trustGuestRxFilters: true, network: "sriov")
        #expect(config == VirtualFunctionConfig(mac: mac, vlan: 42, trust: true))
        #expect(try VirtualFunctionConfig.forPort(mac: mac, vlan: nil, trustGuestRxFilters: nil, network: "sriov").vlan == nil)
        let trunk = #expect(throws: PatchbayError.self) {
            try VirtualFunctionConfig.forPort(mac: mac, vlan: VLANDefinition(trunk: true, tags: [VLANTag(id: 42), VLANTag(id: 43)]),
                                              trustGuestRxFilters: nil, network: "sriov")
        }
        #expect(trunk?.message.contains("vlan trunking is not supported by SR-IOV network devices") == true)
    }

    @Test func theFakePreparesBindsAndGivesBack() async throws {
        let pool = try await fake.pool(of: pfForward(), network: "sriov")
        let config = VirtualFunctionConfig(mac: MACAddress("52:54:00:00:00:01")!, vlan: 7)
        let assignment = try await fake.prepare(pool[0], config: config, forward: pfForward())
        #expect(assignment.boundToVFIO && assignment.plug.address == pool[0].address && assignment.plug.managed == true)
        #expect(fake.bound == [pool[0].address])
        try await fake.release(assignment)
        #expect(fake.bound.isEmpty)
        #expect(fake.calls == [.pool(network: "sriov"), .prepare(pool[0].address, config, managed: true), .release(pool[0].address)])
        // An unmanaged network's VF is configured but left on its driver.
        let unmanaged = try await fake.prepare(pool[1], config: config, forward: pfForward(managed: false))
        #expect(!unmanaged.boundToVFIO && fake.bound.isEmpty)
        fake.failNextPrepare(PatchbayError(.kernel, "injected"))
        await #expect(throws: PatchbayError.self) { try await fake.prepare(pool[2], config: config, forward: pfForward()) }
        var unknown = pfForward()
        unknown.pf = "eno9"
        await #expect(throws: PatchbayError.self) { try await fake.pool(of: unknown, network: "sriov") }
    }
}
