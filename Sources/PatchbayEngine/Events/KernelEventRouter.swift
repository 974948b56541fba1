import PatchbayModel
import Synchronization

/// What the engine keeps to turn kernel notices into events: the trackers (last state of each
/// link, the port each MAC was last seen on) and a directory of Patchbay's ports and bridges by
/// kernel index, rebuilt from the store only when a notice names an index it does not know and
/// something has happened since it was built.
final class KernelEventRouter: Sendable {
    struct Directory: Sendable {
        var portsByIndex: [Int32: NetworkPort] = [:]
        var portsByDevice: [String: NetworkPort] = [:]
        var networksByBridge: [String: String] = [:]
        var portsByMAC: [MACKey: NetworkPort] = [:]
        /// The event id it was built at: anything the engine did since may have changed it.
        var builtAt: UInt64 = 0
    }

    struct MACKey: Sendable, Hashable {
        var network: String
        var mac: MACAddress
    }

    struct State: Sendable {
        var links = LinkTracker()
        var fdb = FDBTracker()
        /// Every link's name by index, from the notices (a removal notice may come without one).
        var names: [Int32: String] = [:]
        var directory: Directory?
    }

    let state = Mutex(State())
    /// Whether a port held by a process (a macvtap of the bridge helper) may exist: the one kind
    /// of vanishing the kernel announces no notice for, so it alone is polled, and only while set.
    let heldPortsMayExist = Atomic(true)
}

extension NetworkEngine {
    /// One batch of the kernel's notices, in order. A seed is the kernel's state as dumped at
    /// start or after lost notices: the trackers learn it and no events come of it, but ports
    /// whose device went meanwhile are swept.
    public func kernelNotices(_ notices: [KernelNotice], seed: Bool) async {
        let router = kernelEvents
        // First the trackers, under their lock and without awaiting; names are resolved after,
        // and only for what changed (most link notices are statistics and change nothing).
        let (pending, names) = router.state.withLock { s -> ([PendingNotice], [Int32: String]) in
            if seed { s = KernelEventRouter.State(directory: s.directory) }
            var pending: [PendingNotice] = []
            for notice in notices {
                switch notice {
                case let .link(index, name, state):
                    s.names[index] = name
                    let names = s.names
                    let changes = s.links.update(index: index, to: state) { names[$0] }
                    if !seed, !changes.isEmpty { pending.append(.link(index: index, name: name, changes: changes)) }
                case let .linkRemoved(index, name):
                    let known = s.names[index] ?? name
                    s.links.remove(index: index)
                    s.fdb.forget(bridge: index)
                    pending.append(.removed(index: index, name: known))
                case let .fdb(bridge, port, mac, vlan, removed):
                    let key = FDBTracker.Key(bridge: bridge, mac: mac, vlan: vlan)
                    guard let change = removed ? s.fdb.removed(key, from: port) : s.fdb.seen(key, on: port), !seed else { continue }
                    pending.append(.fdb(change, mac: mac, vlan: vlan, bridge: s.names[bridge]))
                }
            }
            let names = s.names
            for case let .removed(index, _) in pending { s.names[index] = nil }
            return (pending, names)
        }
        guard !pending.isEmpty || seed else { return }
        let directory = await eventDirectory(resolving: pending)
        var sweep = seed
        for item in pending {
            switch item {
            case let .link(index, name, changes):
                for event in Self.linkEvents(changes, index: index, name: name, directory: directory) { events.publish(event) }
            case let .removed(index, name):
                if Self.port(index, name: name, in: directory) != nil { sweep = true }
            case let .fdb(change, mac, vlan, bridge):
                guard let bridge, let network = directory.networksByBridge[bridge] else { continue }
                events.publish(Self.fdbEvent(change, mac: mac, vlan: vlan, network: network, names: names, directory: directory))
            }
        }
        if sweep { await sweepVanishedPorts() }
    }

    enum PendingNotice: Sendable {
        case link(index: Int32, name: String, changes: [LinkTracker.Change])
        case removed(index: Int32, name: String?)
        case fdb(FDBTracker.Change, mac: MACAddress, vlan: UInt16?, bridge: String?)
    }

    /// The directory, rebuilt first when the batch names what it does not know and the engine
    /// has done something since it was built (a port made, a network started).
    private func eventDirectory(resolving pending: [PendingNotice]) async -> KernelEventRouter.Directory {
        await eventDirectory { current in
            pending.contains { item in
                switch item {
                case let .link(index, name, _): return Self.port(index, name: name, in: current) == nil && current.networksByBridge[name] == nil
                case let .removed(index, name): return Self.port(index, name: name, in: current) == nil
                case let .fdb(_, _, _, bridge): return bridge.map { current.networksByBridge[$0] == nil } ?? false
                }
            }
        }
    }

    /// The directory as it is, or rebuilt when `unknown` says it lacks something and the engine
    /// has done something since it was built.
    func eventDirectory(unknown: (KernelEventRouter.Directory) -> Bool) async -> KernelEventRouter.Directory {
        let router = kernelEvents
        if let current = router.state.withLock({ $0.directory }) {
            if events.lastID == current.builtAt || !unknown(current) { return current }
        }
        var directory = KernelEventRouter.Directory(builtAt: events.lastID)
        do {
            for record in try await store.networks() {
                if let bridge = record.live?.bridge.name { directory.networksByBridge[bridge] = record.name }
            }
            for port in try await store.ports() {
                if let index = port.interfaceIndex { directory.portsByIndex[index] = port }
                directory.portsByDevice[port.device] = port
                directory.portsByMAC[KernelEventRouter.MACKey(network: port.network, mac: port.mac)] = port
            }
        } catch {
            logger.warning("event stream: cannot read ports and networks", metadata: ["error": "\(error)"])
            return router.state.withLock { $0.directory } ?? directory
        }
        let built = directory
        router.state.withLock { $0.directory = built }
        return built
    }

    static func port(_ index: Int32, name: String?, in directory: KernelEventRouter.Directory) -> NetworkPort? {
        directory.portsByIndex[index] ?? name.flatMap { directory.portsByDevice[$0] }
    }

    static func linkEvents(_ changes: [LinkTracker.Change], index: Int32, name: String,
                           directory: KernelEventRouter.Directory) -> [PatchbayEvent] {
        if let port = port(index, name: name, in: directory) {
            return changes.map { change in
                switch change {
                case .carrierUp: return .port(.portCarrierUp, port, "port \(port.device) of '\(port.ownerName)': carrier up")
                case .carrierDown: return .port(.portCarrierDown, port, "port \(port.device) of '\(port.ownerName)': carrier down (its guest or peer is gone or down)")
                case .changed(let what): return .port(.linkChanged, port, "port \(port.device) of '\(port.ownerName)': \(what)")
                }
            }
        }
        guard let network = directory.networksByBridge[name] else { return [] }
        return changes.map { change in
            let what: String
            switch change {
            case .carrierUp: what = "carrier up"
            case .carrierDown: what = "carrier down (no port forwards)"
            case .changed(let text): what = text
            }
            return PatchbayEvent(type: .linkChanged, network: network, device: name, message: "bridge \(name) of network '\(network)': \(what)")
        }
    }

    static func fdbEvent(_ change: FDBTracker.Change, mac: MACAddress, vlan: UInt16?, network: String, names: [Int32: String],
                         directory: KernelEventRouter.Directory) -> PatchbayEvent {
        func describe(_ index: Int32) -> String {
            let name = names[index]
            if let port = port(index, name: name, in: directory) { return "\(port.device) ('\(port.ownerName)')" }
            return name ?? "index \(index)"
        }
        let at: Int32
        let type: EventType
        let message: String
        let onVLAN = vlan.map { " vlan \($0)" } ?? ""
        switch change {
        case .learned(let port):
            (at, type, message) = (port, .fdbLearned, "\(mac)\(onVLAN) learned on \(describe(port))")
        case .moved(let from, let to):
            (at, type, message) = (to, .fdbMoved, "\(mac)\(onVLAN) moved from \(describe(from)) to \(describe(to)): a migrated guest, a MAC two guests share, or a loop")
        case .aged(let port):
            (at, type, message) = (port, .fdbAged, "\(mac)\(onVLAN) aged out of \(describe(port))")
        }
        let owner = port(at, name: names[at], in: directory)
        return PatchbayEvent(type: type, network: network, port: owner?.uuid.description, device: owner?.device ?? names[at],
                             owner: owner?.ownerName, mac: mac.description, message: message)
    }

    /// The one sweep still on a timer: ports held by a process that is gone (the kernel says
    /// nothing when a process exits). Costs nothing while no such port exists.
    public func sweepProcessHeldPorts() async {
        guard kernelEvents.heldPortsMayExist.load(ordering: .relaxed) else { return }
        let held: [NetworkPort]
        do { held = try await store.portsThatMayVanish().filter { $0.holderPID != nil } } catch { return }
        if held.isEmpty {
            kernelEvents.heldPortsMayExist.store(false, ordering: .relaxed)
            return
        }
        await sweepHeldPorts(held.filter { $0.phase == nil })
    }
}
