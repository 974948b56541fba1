import PatchbayModel

extension NetworkEngine {
    /// The prefix of a bench's temporary namespaces (and the owner name of their ports), so a
    /// leftover is recognisable: `pbbench-` and eight hex digits.
    public static let benchNamespacePrefix = "pbbench-"

    /// `patchbay bench NET [--from X] [--to Y]`. Named ends are resolved before anything is
    /// made, so a bad name costs nothing; then the temporary namespaces and their veth ports are
    /// made, the measurement runs, and everything temporary is removed however it ended. The
    /// work runs in a task of its own: a client that disconnects cancels its request's task,
    /// and the removal must not be cut short with it.
    public func bench(network name: String, _ request: BenchRequest, using bencher: any NetworkBenchmarking)
        async throws(PatchbayError) -> BenchReport {
        let request = try request.validated()
        let task = Task { () async -> Result<BenchReport, PatchbayError> in
            // One bench per network at a time: the temporary ends' addresses are picked from the
            // top of the subnet, and two benches would pick the same.
            do throws(PatchbayError) {
                return .success(try await self.locks.withLock("bench:\(name)") { () async throws(PatchbayError) -> BenchReport in
                    try await self.runBench(name, request, bencher)
                })
            } catch {
                return .failure(error)
            }
        }
        return try await task.value.get()
    }

    private enum BenchEnd {
        case temporary
        case endpoint(BenchEndpoint)
    }

    private func runBench(_ name: String, _ request: BenchRequest, _ bencher: any NetworkBenchmarking) async throws(PatchbayError) -> BenchReport {
        let record = try await requireRecord(name)
        guard let live = record.live, record.intent == nil else {
            throw PatchbayError(.operationInvalid, "network '\(name)' is not active")
        }
        guard case .ownedBridge(let bridge) = PortPlacement(live) else {
            throw PatchbayError(.operationInvalid, "network '\(name)' does not run a bridge of Patchbay's own (forward mode \(live.forwardMode.rawValue)); bench measures between ports of such a bridge")
        }
        guard let ip = live.ips.first(where: { $0.isIPv4 && $0.interfaceAddress != nil }), let subnet = ip.interfaceAddress else {
            throw PatchbayError(.operationInvalid, "network '\(name)' has no IPv4 address: bench needs one for its ends to talk TCP")
        }
        let ports = try await store.ports(network: name)
        var from = BenchEnd.temporary
        if let named = request.from {
            from = .endpoint(try await namedBenchEnd(named, network: name, ports: ports, subnet: subnet, bencher))
        }
        var upstream = false
        let to: BenchEnd
        if request.to == BenchRequest.upstream {
            guard live.forwardMode != .none else {
                throw PatchbayError(.operationInvalid, "network '\(name)' is isolated (no <forward>): it has no upstream to measure")
            }
            upstream = true
            to = .endpoint(BenchEndpoint(label: "gateway \(ip.address) (\(bridge), the host)", namespace: nil, address: ip.address))
        } else if let named = request.to {
            to = .endpoint(try await namedBenchEnd(named, network: name, ports: ports, subnet: subnet, bencher))
        } else {
            to = .temporary
        }
        if case .endpoint(let a) = from, case .endpoint(let b) = to, a.namespace == b.namespace {
            throw PatchbayError(.invalidArgument, "--from and --to name the same namespace (\(a.namespace ?? "the daemon's")): nothing would cross the network")
        }

        var made: [(namespace: String, port: NetworkUUID?)] = []
        do throws(PatchbayError) {
            var taken = Set(try await store.leases(network: name).map(\.ip))
            for case .endpoint(let end) in [from, to] { if case .v4(let address) = end.address { taken.insert(address) } }
            let temporaries = [from, to].filter { if case .temporary = $0 { true } else { false } }.count
            var addresses = try BenchAddressPicker.pick(temporaries, ip: ip, taken: taken)[...]
            func temporary() async throws(PatchbayError) -> BenchEndpoint {
                let namespace = Self.benchNamespacePrefix + String(UInt32.random(in: 0...UInt32.max), radix: 16)
                try await bencher.createNamespace(namespace)
                made.append((namespace, nil))
                let port = try await createPort(network: name, CreatePortRequest(ownerName: namespace, type: .veth, namespace: namespace,
                                                                                  peerName: "eth0"))
                made[made.count - 1].port = port.uuid
                let address = addresses.removeFirst()
                try await bencher.configure(namespace: namespace, device: "eth0", address: address)
                return BenchEndpoint(label: "temporary namespace \(namespace) (port \(port.device))", namespace: namespace, address: address.address)
            }
            let sender: BenchEndpoint, receiver: BenchEndpoint
            switch from { case .temporary: sender = try await temporary(); case .endpoint(let end): sender = end }
            switch to { case .temporary: receiver = try await temporary(); case .endpoint(let end): receiver = end }
            logger.info("bench started", metadata: ["network": "\(name)", "from": "\(sender.label)", "to": "\(receiver.label)",
                                                    "duration": "\(request.effectiveDuration)", "streams": "\(request.effectiveStreams)"])
            let measurements = try await bencher.measure(BenchPlan(sender: sender, receiver: receiver, duration: request.effectiveDuration,
                                                                   streams: request.effectiveStreams, tool: request.tool ?? .auto))
            var measured = "TCP from \(sender.label) to \(receiver.label) across bridge \(bridge) of network '\(name)'"
            if upstream {
                measured += "; no server beyond the uplink to measure against, so this is the path to the host's end of the bridge (the gateway), not past its \(live.forward.mode.rawValue) uplink"
            }
            await removeBenchTemporaries(made, network: name, bencher)
            return BenchReport(network: name, from: sender, to: receiver, measured: measured, duration: request.effectiveDuration,
                               measurements: measurements, temporaryNamespaces: made.map(\.namespace))
        } catch {
            await removeBenchTemporaries(made, network: name, bencher)
            throw error
        }
    }

    /// A named end: a veth port's namespace (by port UUID, device or owner). Other guests'
    /// insides are not Patchbay's to enter.
    private func namedBenchEnd(_ name: String, network: String, ports: [NetworkPort], subnet: InterfaceAddress,
                               _ bencher: any NetworkBenchmarking) async throws(PatchbayError) -> BenchEndpoint {
        let matching = ports.filter { $0.device == name || $0.uuid.description == name.lowercased() || $0.ownerName == name }
        guard !matching.isEmpty else {
            throw PatchbayError(.notFound, "network '\(network)' has no port or owner named '\(name)' (give a port UUID, a device name, an owner or 'upstream')")
        }
        guard let port = matching.first(where: { $0.type == .veth && $0.namespace != nil && $0.phase == nil }), let namespace = port.namespace else {
            let port = matching[0]
            let what = [.tap, .macvtap, .hostdev, .vhostuser].contains(port.type) ? "a QEMU guest" : "a \(port.type.rawValue) port"
            throw PatchbayError(.operationInvalid, "cannot run a benchmark inside guest \(port.ownerName): it is \(what); name a namespace port or use temporary namespaces")
        }
        let device = port.peerName ?? "eth0"
        guard let address = try await bencher.address(namespace: namespace, device: device, in: subnet) else {
            throw PatchbayError(.operationInvalid, "guest \(port.ownerName) (namespace \(namespace)) has no IPv4 address in \(subnet.subnet) on \(device)")
        }
        return BenchEndpoint(label: "\(port.ownerName) (port \(port.device), namespace \(namespace))", namespace: namespace, address: address)
    }

    /// Deletes the bench's ports, then its namespaces, newest first. Failures are logged, not
    /// thrown: the bench's own outcome is what the caller needs, and a veth port whose
    /// namespace goes is forgotten by the port sweep anyway.
    private func removeBenchTemporaries(_ made: [(namespace: String, port: NetworkUUID?)], network: String,
                                        _ bencher: any NetworkBenchmarking) async {
        for (namespace, port) in made.reversed() {
            if let port {
                do { try await deletePort(network: network, uuid: port) } catch {
                    logger.warning("cannot delete a bench port", metadata: ["port": "\(port)", "error": "\(error)"])
                }
            }
            do { try await bencher.deleteNamespace(namespace) } catch {
                logger.warning("cannot delete a bench namespace", metadata: ["namespace": "\(namespace)", "error": "\(error)"])
            }
        }
    }
}
