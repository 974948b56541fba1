import Logging
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// Creating and sweeping ports without reading every other port: the device name search goes on
/// after the last name handed out, and the sweep looks up few ports one by one, many in a dump.
@Suite struct EnginePortScaleTests {
    let kernel = KernelRecorder()
    let store: any PatchbayStore = InMemoryStore()
    let engine: NetworkEngine

    init() {
        engine = Self.engine(store: store, kernel: kernel)
    }

    static func engine(store: any PatchbayStore, kernel: KernelRecorder) -> NetworkEngine {
        NetworkEngine(store: store, links: kernel, services: RecordingServices(), firewall: RecordingFirewall(), logger: Logger(label: "test"))
    }

    static let xml = "<network><name>lab</name><bridge name='pbscale0'/><ip address='10.62.0.1' prefix='24'/></network>"

    @Test func deviceNamesGoOnAfterTheLastOneHandedOutAndSkipTakenOnes() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        let first = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm0"))
        #expect(first.device == "vnet0")
        _ = kernel.preexisting("vnet1", kind: "tun")
        #expect(try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1")).device == "vnet2")
        // A freed name is not handed out again at once (the kernel's tun driver does the same).
        try await engine.deletePort(network: "lab", uuid: first.uuid)
        #expect(try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm2")).device == "vnet3")
        // After a restart the search goes on after the stored ports' highest name.
        let restarted = Self.engine(store: store, kernel: kernel)
        _ = await restarted.recover()
        #expect(try await restarted.createPort(network: "lab", CreatePortRequest(ownerName: "vm3")).device == "vnet4")
    }

    /// The MAC check is one lookup now, and still names the port that has the address.
    @Test func aClashingMACNamesThePortThatHasIt() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        let mac = MACAddress("52:54:00:62:00:01")
        let first = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm0", mac: mac))
        let clash = await #expect(throws: PatchbayError.self) {
            try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1", mac: mac))
        }
        #expect(clash?.code == .alreadyExists)
        #expect(clash?.message == "MAC address 52:54:00:62:00:01 is already used by port \(first.uuid) of vm0 on network 'lab'")
    }

    /// Few ports that may vanish are looked up one by one, more than 32 checked against one dump:
    /// either way the port whose TAP went, and only it, is dropped.
    @Test(arguments: [3, 40]) func theSweepDropsTheOneAdoptedTAPThatWent(count: Int) async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        var ports: [NetworkPort] = []
        for number in 0..<count {
            _ = kernel.preexisting("tap\(number)", kind: "tun")
            ports.append(try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm\(number)", device: "tap\(number)")))
        }
        #expect(await engine.sweepVanishedPorts().isEmpty)
        kernel.vanish("tap1")
        #expect(await engine.sweepVanishedPorts().map(\.uuid) == [ports[1].uuid])
        #expect(try await store.ports().count == count - 1)
    }
}
