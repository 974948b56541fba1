import PatchbayEngine
import PatchbayModel
import Synchronization
import Testing

/// A model of the host's links, addresses and routes that performs `InterfaceBridgeStep`s as the
/// kernel would (EEXIST, ENODEV-like refusals) and fails on purpose at the k-th step.
final class FakeHostKernel: InterfaceBridgeKernel {
    struct Device: Hashable {
        var isBridge = false
        var up = true
        var master: String?
        var alias: String?
        var stp = false
        var addresses: Set<InterfaceAddress> = []
        var routes: Set<HostRoute> = []
    }

    struct State: Hashable {
        var devices: [String: Device] = [:]
        var performed = 0
        var failAt: Int?
        var failed = false
    }

    let state: Mutex<State>

    init(devices: [String: Device], failAt: Int? = nil) {
        state = Mutex(State(devices: devices, failAt: failAt))
    }

    var devices: [String: Device] { state.withLock { $0.devices } }

    func perform(_ step: InterfaceBridgeStep) async throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            if !s.failed, let failAt = s.failAt, s.performed == failAt {
                s.failed = true
                throw PatchbayError(.kernel, "injected failure at step \(failAt)")
            }
            s.performed += 1
            func need(_ name: String) throws(PatchbayError) -> Device {
                guard let d = s.devices[name] else { throw PatchbayError(.notFound, "no device \(name)") }
                return d
            }
            switch step {
            case .createBridge(let name, _, _, _, let alias):
                if s.devices[name] != nil { throw PatchbayError(.alreadyExists, "\(name) exists") }
                s.devices[name] = Device(isBridge: true, up: false, alias: alias)
            case .deleteBridge(let name, _, _, _, _):
                _ = try need(name)
                s.devices[name] = nil
                for key in s.devices.keys where s.devices[key]?.master == name { s.devices[key]?.master = nil }
            case .addAddress(let a, let device):
                var d = try need(device)
                guard d.addresses.insert(a).inserted else { throw PatchbayError(.alreadyExists, "\(a) on \(device)") }
                s.devices[device] = d
            case .deleteAddress(let a, let device):
                var d = try need(device)
                guard d.addresses.remove(a) != nil else { throw PatchbayError(.notFound, "\(a) not on \(device)") }
                s.devices[device] = d
            case .setUp(let device, let up):
                _ = try need(device)
                s.devices[device]?.up = up
            case .setMaster(let device, let master, _):
                _ = try need(device)
                if let master { _ = try need(master) }
                s.devices[device]?.master = master
            case .moveRoute(let route, let device, _):
                _ = try need(device)
                // Replace: the route with the same table, destination and metric, wherever it is.
                for key in s.devices.keys { s.devices[key]?.routes.remove(route) }
                s.devices[device]?.routes.insert(route)
            case .setSTP(let bridge, let on, _):
                _ = try need(bridge)
                s.devices[bridge]?.stp = on
            }
        }
    }
}

@Suite struct InterfaceBridgePlanTests {
    static let mac = MACAddress("52:54:00:12:34:56")!
    static let v4 = InterfaceAddress("192.0.2.10/24")!
    static let v6 = InterfaceAddress("2001:db8::10/64")!
    static let linkLocal = InterfaceAddress("fe80::5054:ff:fe12:3456/64")!
    static let defaultV4 = HostRoute(isIPv6: false, gateway: IPAddress("192.0.2.1"))
    static let defaultV6 = HostRoute(isIPv6: true, gateway: IPAddress("2001:db8::1"), metric: 1024)
    static let prefixRoute = HostRoute(isIPv6: false, destination: InterfaceAddress("192.0.2.0/24"), protocolID: 2, scope: 253)

    static func nic(master: String? = nil) -> InterfaceSnapshot {
        InterfaceSnapshot(name: "eno1", index: 2, kind: nil, mac: mac, mtu: 9000, master: master,
                          addresses: [SnapshotAddress(v4), SnapshotAddress(v6), SnapshotAddress(linkLocal, isLinkLocal: true)],
                          routes: [defaultV4, defaultV6, prefixRoute])
    }

    static func hostDevices() -> [String: FakeHostKernel.Device] {
        ["eno1": FakeHostKernel.Device(addresses: [v4, v6, linkLocal], routes: [defaultV4, defaultV6])]
    }

    static func plan(stp: Bool = true) throws -> InterfaceBridgePlan {
        try InterfaceBridgePlan.bridge(nic: "eno1", snapshot: nic(), bridge: "br0", bridgeNameTaken: false, stp: stp, delaySeconds: 0)
    }

    @Test func ordersStepsSoTheAddressAnswersThroughout() throws {
        let tag = HostBridgeTag(nic: "eno1").description
        #expect(try Self.plan().steps == [
            .createBridge(name: "br0", mac: Self.mac, mtu: 9000, forwardDelaySeconds: 0, alias: tag),
            .addAddress(Self.v4, device: "br0"),
            .addAddress(Self.v6, device: "br0"),
            .setUp(device: "br0", up: true),
            .setMaster(device: "eno1", master: "br0", previous: nil),
            .setSTP(bridge: "br0", on: true, forwardDelaySeconds: 0),
            .moveRoute(Self.defaultV4, device: "br0", previousDevice: "eno1"),
            .moveRoute(Self.defaultV6, device: "br0", previousDevice: "eno1"),
            .deleteAddress(Self.v4, device: "eno1"),
            .deleteAddress(Self.v6, device: "eno1"),
        ])
    }

    @Test func noSTPLeavesSTPOff() throws {
        #expect(!(try Self.plan(stp: false).steps.contains { if case .setSTP = $0 { true } else { false } }))
    }

    @Test func bridgingMovesEverything() async throws {
        let kernel = FakeHostKernel(devices: Self.hostDevices())
        try await InterfaceBridgeRunner.run(try Self.plan(), on: kernel)
        let devices = kernel.devices
        #expect(devices["br0"]?.addresses == [Self.v4, Self.v6])
        #expect(devices["br0"]?.routes == [Self.defaultV4, Self.defaultV6])
        #expect(devices["br0"]?.stp == true && devices["br0"]?.up == true)
        #expect(devices["eno1"]?.master == "br0")
        #expect(devices["eno1"]?.addresses == [Self.linkLocal])
    }

    @Test func aFailureAtAnyStepLeavesTheHostAsItWas() async throws {
        let plan = try Self.plan()
        for k in 0..<plan.steps.count {
            let kernel = FakeHostKernel(devices: Self.hostDevices(), failAt: k)
            await #expect(throws: PatchbayError.self, "step \(k)") { try await InterfaceBridgeRunner.run(plan, on: kernel) }
            #expect(kernel.devices == Self.hostDevices(), "failure at step \(k): \(plan.steps[k])")
        }
    }

    @Test func failureMessageNamesTheStep() async throws {
        let kernel = FakeHostKernel(devices: Self.hostDevices(), failAt: 4)
        let plan = try Self.plan()
        do {
            try await InterfaceBridgeRunner.run(plan, on: kernel)
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("attach eno1 to br0"))
            #expect(error.message.contains("undid 4 earlier step(s)"))
        }
    }

    @Test func unbridgeAfterBridgeRestoresTheHost() async throws {
        let kernel = FakeHostKernel(devices: Self.hostDevices())
        try await InterfaceBridgeRunner.run(try Self.plan(), on: kernel)
        let bridge = InterfaceSnapshot(name: "br0", index: 9, kind: "bridge", mac: Self.mac, mtu: 9000,
                                       alias: HostBridgeTag(nic: "eno1").description,
                                       addresses: [SnapshotAddress(Self.v4), SnapshotAddress(Self.v6), SnapshotAddress(Self.linkLocal, isLinkLocal: true)],
                                       routes: [Self.defaultV4, Self.defaultV6], ports: ["eno1"])
        var nic = Self.nic(master: "br0")
        nic.addresses = [SnapshotAddress(Self.linkLocal, isLinkLocal: true)]
        let plan = try InterfaceBridgePlan.unbridge(bridge: "br0", snapshot: bridge, nic: nic)
        for k in 0..<(plan.steps.count - 1) {  // the last step, deleting the bridge, has nothing after it to fail
            let failing = FakeHostKernel(devices: kernel.devices, failAt: k)
            let before = failing.devices
            await #expect(throws: PatchbayError.self) { try await InterfaceBridgeRunner.run(plan, on: failing) }
            #expect(failing.devices == before, "unbridge failure at step \(k): \(plan.steps[k])")
        }
        try await InterfaceBridgeRunner.run(plan, on: kernel)
        var expected = Self.hostDevices()
        expected["eno1"]?.master = nil
        #expect(kernel.devices == expected)
    }

    @Test func refusals() throws {
        func refuses(_ code: PatchbayError.Code, _ text: String, _ body: () throws(PatchbayError) -> InterfaceBridgePlan) {
            do {
                _ = try body()
                Issue.record("accepted, expected \(text)")
            } catch {
                #expect(error.code == code)
                #expect(error.message.contains(text), "\(error.message)")
            }
        }
        refuses(.notFound, "no interface named 'eno9'") { () throws(PatchbayError) in
            try InterfaceBridgePlan.bridge(nic: "eno9", snapshot: nil, bridge: "br0", bridgeNameTaken: false, stp: true, delaySeconds: 0)
        }
        refuses(.operationInvalid, "already attached to 'virbr0'") { () throws(PatchbayError) in
            try InterfaceBridgePlan.bridge(nic: "eno1", snapshot: Self.nic(master: "virbr0"), bridge: "br0", bridgeNameTaken: false, stp: true, delaySeconds: 0)
        }
        refuses(.alreadyExists, "'br0' already exists") { () throws(PatchbayError) in
            try InterfaceBridgePlan.bridge(nic: "eno1", snapshot: Self.nic(), bridge: "br0", bridgeNameTaken: true, stp: true, delaySeconds: 0)
        }
        var bridgeNIC = Self.nic()
        bridgeNIC.kind = "bridge"
        refuses(.invalidArgument, "itself a bridge") { () throws(PatchbayError) in
            try InterfaceBridgePlan.bridge(nic: "eno1", snapshot: bridgeNIC, bridge: "br0", bridgeNameTaken: false, stp: true, delaySeconds: 0)
        }
        let lo = InterfaceSnapshot(name: "lo", index: 1, isLoopback: true)
        refuses(.invalidArgument, "loopback") { () throws(PatchbayError) in
            try InterfaceBridgePlan.bridge(nic: "lo", snapshot: lo, bridge: "br0", bridgeNameTaken: false, stp: true, delaySeconds: 0)
        }
        for delay in [-1, 31] {
            refuses(.invalidArgument, "delay \(delay) is out of range (0-30 seconds)") { () throws(PatchbayError) in
                try InterfaceBridgePlan.bridge(nic: "eno1", snapshot: Self.nic(), bridge: "br0", bridgeNameTaken: false, stp: true, delaySeconds: delay)
            }
        }
        refuses(.invalidArgument, "not a valid interface name") { () throws(PatchbayError) in
            try InterfaceBridgePlan.bridge(nic: "eno1", snapshot: Self.nic(), bridge: "a-very-long-bridge-name", bridgeNameTaken: false, stp: true, delaySeconds: 0)
        }
        let foreign = InterfaceSnapshot(name: "virbr0", index: 5, kind: "bridge", alias: "patchbay:network:x", ports: [])
        refuses(.operationInvalid, "was not made by 'patchbay iface-bridge'") { () throws(PatchbayError) in
            try InterfaceBridgePlan.unbridge(bridge: "virbr0", snapshot: foreign, nic: nil)
        }
        let busy = InterfaceSnapshot(name: "br0", index: 9, kind: "bridge", alias: HostBridgeTag(nic: "eno1").description,
                                     ports: ["eno1", "vnet0", "vnet1"])
        refuses(.operationInvalid, "other devices attached besides 'eno1': vnet0, vnet1") { () throws(PatchbayError) in
            try InterfaceBridgePlan.unbridge(bridge: "br0", snapshot: busy, nic: Self.nic(master: "br0"))
        }
        refuses(.notFound, "no interface named 'br7'") { () throws(PatchbayError) in
            try InterfaceBridgePlan.unbridge(bridge: "br7", snapshot: nil, nic: nil)
        }
    }
}
