import PatchbayModel
import PatchbayStore

/// libvirt's `<bandwidth>` (src/util/virnetdevbandwidth.c, bridge_driver.c's floor accounting):
/// a port's own, else its portgroup's, shaped on its device; the network's on its bridge,
/// together with the floors its ports are guaranteed. Live changes are libvirt's
/// virNetworkPortSetParameters: the port's classes change in place.
extension NetworkEngine {
    /// Devices tc can shape: a TAP, a veth's host end, a macvtap. A VF or a vhost-user socket has
    /// no host device of the port's to queue on.
    static func shapeable(_ port: NetworkPort) -> Bool {
        (port.type == .tap || port.type == .veth || port.type == .macvtap) && !port.device.isEmpty
    }

    /// Whether tc shapes the port: Open vSwitch ports get their `<bandwidth>` from OVS itself
    /// (ingress policing and a QoS row, as libvirt sets them), every other device from tc.
    static func tcShapes(_ port: NetworkPort, _ network: NetworkDefinition) -> Bool {
        if case .ovs = PortPlacement(network) { return false }
        return shapeable(port)
    }

    /// Floor classes by port, stable as ports come and go: a hash of the port's UUID, the next
    /// free id on a collision, in UUID order so that every computation gives the same ids.
    public static func floors(_ ports: [NetworkPort]) -> [BandwidthFloor] {
        let range = BandwidthFloor.classIDs
        var used: Set<UInt16> = []
        var out: [BandwidthFloor] = []
        for port in ports.sorted(by: { $0.uuid.description < $1.uuid.description }) {
            guard let floor = port.bandwidth?.inbound?.floor, floor > 0 else { continue }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in port.uuid.description.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            var id = range.lowerBound + UInt16(hash % UInt64(range.count))
            while used.contains(id) { id = id == range.upperBound ? range.lowerBound : id + 1 }
            used.insert(id)
            out.append(BandwidthFloor(mac: port.mac, classID: id, floor: floor))
        }
        return out
    }

    /// The network's bridge as its `<bandwidth>` and its ports' floors say; nothing for networks
    /// without either (their bridge is not touched).
    func shapeBridge(network name: String, _ definition: NetworkDefinition) async throws(PatchbayError) {
        guard definition.forward.mode.createsBridge, let bridge = definition.bridge.name else { return }
        if case .ovs = PortPlacement(definition) { return }
        let floors = Self.floors(try await store.ports(network: name))
        guard !(definition.bandwidth?.isEmpty ?? true) || !floors.isEmpty else { return }
        try await shaper.shapeBridge(bridge, definition.bandwidth, floors: floors)
    }

    /// What libvirt refuses before anything is applied: shaping a port without a device, a
    /// floor where the network cannot guarantee one (virNetDevBandwidthSupportsFloor and
    /// networkCheckBandwidth); sums over the network's average are the plan's to refuse.
    static func checkBandwidth(_ bandwidth: BandwidthDefinition?, port: NetworkPort, network: NetworkDefinition) throws(PatchbayError) {
        guard let bandwidth, !bandwidth.isEmpty else { return }
        if case .ovs = PortPlacement(network) { return }  // OVS's own QoS, checked by its driver
        guard shapeable(port) else {
            throw PatchbayError(.invalidArgument, "a \(port.type.rawValue) port has no host device to shape; <bandwidth> needs a tap, veth or macvtap port")
        }
        for (what, rate) in [("inbound", bandwidth.inbound), ("outbound", bandwidth.outbound)] {
            guard let rate else { continue }
            if rate.average == 0 { throw PatchbayError(.invalidArgument, "the \(what) average of port \(port.uuid) must be above 0") }
            if rate.average == nil, rate.peak != nil || rate.burst != nil {
                throw PatchbayError(.invalidArgument, "the \(what) bandwidth of port \(port.uuid) has a peak or burst but no average")
            }
        }
        if let floor = bandwidth.inbound?.floor, floor > 0 {
            guard network.forward.mode.createsBridge else {
                throw PatchbayError(.invalidArgument, "a floor needs a network with a bridge of its own (nat, route, open or isolated); network '\(network.name)' is \(network.forward.mode.rawValue)")
            }
            guard let average = network.bandwidth?.inbound?.average, average > 0 else {
                throw PatchbayError(.invalidArgument, "port \(port.uuid) asks for an inbound floor of \(floor) KB/s, but network '\(network.name)' has no <bandwidth><inbound average=…/> to guarantee it from")
            }
        }
    }

    /// `net-port-set-bandwidth` / PUT …/bandwidth: new rates for a live port (nil clears them),
    /// stored and applied, the bridge's floors with them; a refusal changes neither.
    public func setPortBandwidth(network name: String, uuid: NetworkUUID, _ bandwidth: BandwidthDefinition?) async throws(PatchbayError) -> NetworkPort {
        try await withNetworkLock(name) { () async throws(PatchbayError) -> NetworkPort in
            let record = try await requireRecord(name)
            guard let live = record.live else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
            var port = try await port(network: name, uuid: uuid)
            if case .ovs = PortPlacement(live) {
                throw PatchbayError(.operationInvalid, "port \(uuid) is on Open vSwitch network '\(name)', whose bandwidth OVS applies at port creation; live changes there are not supported yet")
            }
            let bandwidth = bandwidth.flatMap { $0.isEmpty ? nil : $0 }
            try Self.checkBandwidth(bandwidth, port: port, network: live)
            let previous = port
            port.bandwidth = bandwidth
            try await store.update(port)
            do throws(PatchbayError) {
                if previous.bandwidth?.inbound?.floor != bandwidth?.inbound?.floor { try await shapeBridge(network: name, live) }
                if Self.shapeable(port) { try await shaper.shapePort(port.device, bandwidth) }
            } catch {
                try? await store.update(previous)
                if previous.bandwidth?.inbound?.floor != bandwidth?.inbound?.floor { try? await shapeBridge(network: name, live) }
                if Self.shapeable(previous) { try? await shaper.shapePort(previous.device, previous.bandwidth) }
                throw error
            }
            logger.info("port bandwidth set", metadata: ["network": "\(name)", "port": "\(uuid)", "device": "\(port.device)"])
            return port
        }
    }

    /// A port went (or never came): its IFB goes, and its floor leaves the bridge.
    func unshape(_ port: NetworkPort, network name: String, live: NetworkDefinition) async {
        guard let bandwidth = port.bandwidth, Self.tcShapes(port, live) else { return }
        do {
            if bandwidth.outbound != nil { try await shaper.unshapePort(port.device) }
            if (bandwidth.inbound?.floor ?? 0) > 0 { try await shapeBridge(network: name, live) }
        } catch {
            logger.warning("cannot remove the shaping of a deleted port", metadata: ["device": "\(port.device)", "error": "\(error)"])
        }
    }

    /// At start: every active network's bridge and every shaped port as stored, changing only what
    /// differs (after a daemon restart alone, nothing).
    func restoreBandwidth() async -> [String] {
        var shaped = 0, failed: [String] = []
        for record in (try? await store.networks()) ?? [] {
            guard let live = record.live else { continue }
            do { try await shapeBridge(network: record.name, live) } catch {
                failed.append("bandwidth: bridge of \(record.name) not shaped (\(error.message))")
            }
            for port in (try? await store.ports(network: record.name)) ?? [] where Self.tcShapes(port, live) && !(port.bandwidth?.isEmpty ?? true) {
                do {
                    try await shaper.shapePort(port.device, port.bandwidth)
                    shaped += 1
                } catch {
                    failed.append("bandwidth: \(port.device) not shaped (\(error.message))")
                }
            }
        }
        for line in failed { logger.error("\(line)") }
        return (shaped == 0 ? [] : ["bandwidth: \(shaped) shaped port\(shaped == 1 ? "" : "s") checked"]) + failed
    }
}
