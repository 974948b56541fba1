import Logging
import NFTables
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Synchronization
import Testing

/// A daemon killed at every named step of start, destroy, update, undefine, port create and port
/// delete, and started again: the next engine (same store, same kernel, fresh services) finishes or
/// undoes the half-done operation. In process, a "crash" is an operation that stops dead at the
/// step and never continues; the namespace tests kill a real daemon at the same steps.
@Suite struct EngineCrashRecoveryTests {
    /// Stops an operation dead at `step` and says so.
    final class Crash: Sendable {
        let step: FaultStep
        private let reached = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let hit = Mutex(false)
        /// The stopped operations, kept forever so their continuations are never destroyed.
        private let dead = Mutex<[CheckedContinuation<Void, Never>]>([])

        init(at step: FaultStep) { self.step = step }

        var points: FaultPoints {
            FaultPoints { [self] step in
                guard step == self.step else { return }
                hit.withLock { $0 = true }
                reached.withLock { $0?.resume(); $0 = nil }
                await withCheckedContinuation { continuation in dead.withLock { $0.append(continuation) } }
            }
        }

        /// Waits until the operation reached the step.
        func wait() async {
            await withCheckedContinuation { continuation in
                let already = hit.withLock { $0 }
                if already { continuation.resume() } else { reached.withLock { $0 = continuation } }
            }
        }
    }

    let kernel = KernelRecorder()
    let store: any PatchbayStore = InMemoryStore()
    let firewall = RecordingFirewall()

    func engine(_ faults: FaultPoints = .none, services: RecordingServices = RecordingServices()) -> NetworkEngine {
        NetworkEngine(store: store, links: kernel, services: services, firewall: firewall, faults: faults, logger: Logger(label: "test"))
    }

    static let xml = """
        <network>
          <name>lab</name>
          <forward mode='nat'/>
          <bridge name='pbcrash0'/>
          <ip address='10.60.0.1' netmask='255.255.255.0'><dhcp><range start='10.60.0.100' end='10.60.0.200'/></dhcp></ip>
        </network>
        """

    /// Runs `operation` on an engine that dies at `step`, then starts a new engine on the same
    /// store and kernel and recovers; returns the new engine and its services.
    func crash(at step: FaultStep, _ operation: @escaping @Sendable (NetworkEngine) async throws -> Void) async -> (NetworkEngine, RecordingServices) {
        let crash = Crash(at: step)
        let doomed = engine(crash.points)
        Task { try? await operation(doomed) }
        await crash.wait()
        let services = RecordingServices()
        let next = engine(services: services)
        _ = await next.recover()
        return (next, services)
    }

    /// The network is as `active` says, with nothing half done: no intent, its bridge (tagged)
    /// exactly when active, its rules and services exactly when active, no temporary device.
    func expectSettled(active: Bool, services: RecordingServices) async throws {
        let record = try #require(try await store.network(named: "lab"))
        #expect(record.intent == nil)
        #expect(record.active == active)
        #expect((kernel.snapshot(named: "pbcrash0")?.tag == .network(record.definition.uuid)) == active)
        #expect(kernel.snapshot(named: "pbcrash0") == nil || active)
        #expect((firewall.applied.networks["lab"] != nil) == active)
        #expect((services.running["lab"] != nil) == active)
        #expect(!kernel.linkNamesNow.contains { $0.hasPrefix("pbtmp") })
    }

    static let startSteps: [FaultStep] = [.startIntent, .startBridgeCreated, .startBridgeTagged, .startBridgeRenamed, .startAddresses,
                                          .startFirewall, .startServices]

    @Test(arguments: startSteps)
    func aStartKilledMidwayIsUndoneAndTheNetworkStartsAgain(_ step: FaultStep) async throws {
        _ = try await engine().define(xml: Self.xml)
        let (next, services) = await crash(at: step) { _ = try await $0.start("lab") }
        try await expectSettled(active: false, services: services)
        _ = try await next.start("lab")
        try await expectSettled(active: true, services: services)
    }

    static let destroySteps: [FaultStep] = [.destroyIntent, .destroyServices, .destroyFirewall, .destroyBridge]

    @Test(arguments: destroySteps)
    func aDestroyKilledMidwayIsFinished(_ step: FaultStep) async throws {
        _ = try await engine().define(xml: Self.xml)
        _ = try await engine().start("lab")
        let (next, services) = await crash(at: step) { _ = try await $0.destroy("lab") }
        try await expectSettled(active: false, services: services)
        _ = try await next.start("lab")
        try await expectSettled(active: true, services: services)
    }

    @Test func aLiveUpdateKilledBeforeItWasStoredLeavesTheStoredDefinitionRunning() async throws {
        _ = try await engine().define(xml: Self.xml)
        _ = try await engine().start("lab")
        let request = NetworkUpdateRequest(command: .add, section: .ipDHCPHost, xml: "<host mac='52:54:00:60:00:01' ip='10.60.0.5'/>",
                                           scope: .liveAndConfig)
        let (_, services) = await crash(at: .updateServices) { _ = try await $0.update("lab", request) }
        try await expectSettled(active: true, services: services)
        // The services run what the store holds, which is what the client was not told succeeded.
        #expect(services.running["lab"]?.ips.first?.dhcp.hosts.isEmpty == true)
    }

    @Test func anUndefineKilledMidwayIsFinished() async throws {
        _ = try await engine().define(xml: Self.xml)
        let (_, _) = await crash(at: .undefineIntent) { try await $0.undefine("lab") }
        #expect(try await store.network(named: "lab") == nil)
    }

    static let portCreateSteps: [FaultStep] = [.portCreateReserved, .portCreateDevice, .portCreateTagged, .portCreateAttached]

    @Test(arguments: portCreateSteps)
    func aPortCreateKilledMidwayLeavesNoDeviceAndNoRecord(_ step: FaultStep) async throws {
        _ = try await engine().define(xml: Self.xml)
        _ = try await engine().start("lab")
        kernel.addNamespace("ct")
        for type in [NetworkPort.DeviceType.tap, .veth] {
            let request = CreatePortRequest(ownerName: "vm", type: type, namespace: type == .veth ? "ct" : nil)
            let (next, _) = await crash(at: step) { _ = try await $0.createPort(network: "lab", request) }
            #expect(try await store.ports().isEmpty)
            #expect(!kernel.linkNamesNow.contains { $0.hasPrefix("vnet") || $0.hasPrefix("pbtmp") }, "\(kernel.linkNamesNow)")
            let port = try await next.createPort(network: "lab", request)
            try await next.deletePort(network: "lab", uuid: port.uuid)
        }
    }

    @Test(arguments: [FaultStep.portDeleteMarked, .portDeleteDevice])
    func aPortDeleteKilledMidwayIsFinished(_ step: FaultStep) async throws {
        _ = try await engine().define(xml: Self.xml)
        _ = try await engine().start("lab")
        let port = try await engine().createPort(network: "lab", CreatePortRequest(ownerName: "vm"))
        _ = await crash(at: step) { try await $0.deletePort(network: "lab", uuid: port.uuid) }
        #expect(try await store.ports().isEmpty)
        #expect(kernel.snapshot(named: port.device) == nil)
    }
}
