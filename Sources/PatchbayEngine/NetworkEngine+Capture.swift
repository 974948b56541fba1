import Logging
import PatchbayModel

extension NetworkEngine {
    /// `patchbay capture`: the filter compiled first (a bad one is the request's fault, whatever
    /// it targets), then the target resolved to port devices, then the capture started. Returns
    /// the interfaces (in the order of the file's interface blocks) and the running session.
    public func capture(_ request: CaptureRequest, using capturer: any PacketCapturing)
        async throws(PatchbayError) -> (interfaces: [CaptureInterface], session: CaptureSession) {
        let program = try await capturer.compile(filter: request.filter, snapLength: request.snapLength)
        let interfaces = try await captureInterfaces(request.target)
        let session = try await capturer.start(interfaces: interfaces, program: program, count: request.count,
                                               durationSeconds: request.durationSeconds, snapLength: request.snapLength)
        logger.info("capture started", metadata: ["target": "\(request.target)", "ports": "\(interfaces.map(\.device))",
                                                  "filter": "\(request.filter)"])
        return (interfaces, session)
    }

    /// The ports a capture target names, each with its device's current interface index:
    /// - `NET`: every port of the active network that has a kernel device;
    /// - `NET:PORT`: that network's port by UUID or device name;
    /// - otherwise an owner (`domiflist`'s name): its ports with devices on every active network.
    /// A network name wins over an owner of the same name: owners are looked at only when no
    /// network has the name.
    public func captureInterfaces(_ target: String) async throws(PatchbayError) -> [CaptureInterface] {
        if let colon = target.lastIndex(of: ":"), try await store.network(named: String(target[..<colon])) != nil {
            let name = String(target[..<colon]), portName = String(target[target.index(after: colon)...])
            try await requireActive(name)
            let ports = try await store.ports(network: name)
            guard let port = ports.first(where: { $0.device == portName || $0.uuid.description == portName.lowercased() }) else {
                throw PatchbayError(.notFound, "network '\(name)' has no port '\(portName)' (give a port UUID or device name)")
            }
            guard Self.hasCaptureDevice(port) else {
                throw PatchbayError(.operationInvalid, "port \(port.uuid) of network '\(name)' has no host device to capture on (its type is \(port.type.rawValue))")
            }
            return [try await captureInterface(port)]
        }
        if try await store.network(named: target) != nil {
            try await requireActive(target)
            let ports = try await store.ports(network: target).filter(Self.hasCaptureDevice)
            guard !ports.isEmpty else {
                throw PatchbayError(.operationInvalid, "network '\(target)' has no port with a host device to capture on")
            }
            var interfaces: [CaptureInterface] = []
            for port in ports { interfaces.append(try await captureInterface(port)) }
            return interfaces
        }
        let owned = try await store.ports().filter { $0.ownerName == target }
        guard !owned.isEmpty else {
            throw PatchbayError(.notFound, "no network, network:port or owner named '\(target)'")
        }
        var interfaces: [CaptureInterface] = []
        for port in owned where Self.hasCaptureDevice(port) {
            guard try await store.network(named: port.network)?.live != nil else { continue }
            interfaces.append(try await captureInterface(port))
        }
        guard !interfaces.isEmpty else {
            throw PatchbayError(.operationInvalid, "'\(target)' has no port with a host device on an active network")
        }
        return interfaces
    }

    private func requireActive(_ name: String) async throws(PatchbayError) {
        guard try await requireRecord(name).live != nil else {
            throw PatchbayError(.operationInvalid, "network '\(name)' is not active")
        }
    }

    /// TAP, veth and macvtap ports have a device on the host; hostdev (a VF in the guest) and
    /// vhost-user (inside Open vSwitch's datapath) do not. Ports being made or removed are left out.
    static func hasCaptureDevice(_ port: NetworkPort) -> Bool {
        port.phase == nil && [.tap, .veth, .macvtap].contains(port.type)
    }

    /// The port's device as the kernel has it now, checked by its tag: a name the kernel gave to
    /// someone else's device is not captured on.
    private func captureInterface(_ port: NetworkPort) async throws(PatchbayError) -> CaptureInterface {
        guard let link = try await links.link(named: port.device), link.tag == .port(port.uuid) else {
            throw PatchbayError(.operationInvalid, "device \(port.device) of port \(port.uuid) (\(port.ownerName)) does not exist")
        }
        return CaptureInterface(network: port.network, port: port.uuid, device: port.device, interfaceIndex: link.index,
                                ownerName: port.ownerName, mac: port.mac)
    }
}
