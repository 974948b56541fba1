import Glibc
import Netlink
import NetlinkWire
import PatchbayIO
import PatchbayModel

/// libvirt's `<bandwidth>` on tc, on a thread of its own (`IOThread`): each call reads what the
/// devices have, plans (`BandwidthPlan`), diffs (`BandwidthSteps`) and makes only the changes
/// that differ, all in one job on the thread, so two calls never interleave. Applying the same
/// definition twice changes nothing; changing a live port's rates changes its class in place.
///
/// Kernel options it needs: CONFIG_NET_SCH_HTB, CONFIG_NET_SCH_INGRESS, CONFIG_NET_CLS_U32,
/// CONFIG_NET_ACT_MIRRED, CONFIG_IFB. A missing one is reported by name.
public final class KernelBandwidth: Sendable {
    private let session: NetlinkSession
    private let thread: IOThread

    public init(session: NetlinkSession, thread: IOThread = IOThread(name: "patchbay-qos")) {
        self.session = session
        self.thread = thread
    }

    /// A port's `<bandwidth>`: creates, changes or removes the shaping of both directions so
    /// that the device has exactly what the definition says (nil or empty: nothing of
    /// Patchbay's, the IFB included). Returns the changes made, none when all was in place.
    @discardableResult
    public func apply(_ bandwidth: BandwidthDefinition?, port device: String) async throws(PatchbayError) -> [BandwidthStep] {
        let plan = try Self.plan { () throws(BandwidthPlanError) in try BandwidthPlan.port(bandwidth, device: device) }
        return try await run { session throws(PatchbayError) in
            let state = try Self.translating { () throws(NetlinkError) in try Self.portState(session, device: device, ifb: plan.ifb) }
            let steps = try Self.plan { () throws(BandwidthPlanError) in try BandwidthSteps.port(from: state, to: plan) }
            try Self.translating { () throws(NetlinkError) in try Self.execute(steps, session: session) }
            return steps
        }
    }

    /// The changes `apply` would make, without making them (for reconciliation reports).
    public func pendingChanges(_ bandwidth: BandwidthDefinition?, port device: String) async throws(PatchbayError) -> [BandwidthStep] {
        let plan = try Self.plan { () throws(BandwidthPlanError) in try BandwidthPlan.port(bandwidth, device: device) }
        return try await run { session throws(PatchbayError) in
            let state = try Self.translating { () throws(NetlinkError) in try Self.portState(session, device: device, ifb: plan.ifb) }
            return try Self.plan { () throws(BandwidthPlanError) in try BandwidthSteps.port(from: state, to: plan) }
        }
    }

    /// What a port has: its egress tree, its ingress qdisc and rules, its IFB.
    public func portState(device: String) async throws(PatchbayError) -> PortBandwidthState {
        try await run { session throws(PatchbayError) in
            try Self.translating { () throws(NetlinkError) in
                try Self.portState(session, device: device, ifb: BandwidthPlan.ifbName(forPort: device))
            }
        }
    }

    /// The port's device is gone or leaves the network: removes its IFB (when it carries the
    /// port's tag). The device's own qdiscs go with the device.
    public func removePort(device: String) async throws(PatchbayError) {
        let name = BandwidthPlan.ifbName(forPort: device)
        try await run { session throws(PatchbayError) in
            try Self.translating { () throws(NetlinkError) in
                guard let link = try session.link(named: name), link.alias == BandwidthPlan.ifbTag(forPort: device) else { return }
                try session.deleteLink(index: link.index)
            }
        }
    }

    /// A network's whole `<bandwidth>` on its bridge: the inbound tree with the ports' floors
    /// (each a class `1:classID` and a rule on the port's MAC) on the bridge's egress, traffic
    /// toward the guests; the outbound through the bridge's own IFB, traffic from the guests to
    /// the host. Only what differs changes (a floor's rate in place); nil removes both.
    @discardableResult
    public func applyNetwork(bridge: String, bandwidth: BandwidthDefinition?, floors: [BandwidthFloor]) async throws(PatchbayError) -> [BandwidthStep] {
        var plan = try Self.plan { () throws(BandwidthPlanError) in
            try BandwidthPlan.port(BandwidthDefinition(outbound: bandwidth?.outbound), device: bridge)
        }
        plan.egress = try Self.plan { () throws(BandwidthPlanError) in
            try BandwidthPlan.network(bridge: bridge, inbound: bandwidth?.inbound, floors: floors)
        }
        let desired = plan
        return try await run { session throws(PatchbayError) in
            let state = try Self.translating { () throws(NetlinkError) in try Self.portState(session, device: bridge, ifb: desired.ifb) }
            let steps = try Self.plan { () throws(BandwidthPlanError) in try BandwidthSteps.port(from: state, to: desired) }
            try Self.translating { () throws(NetlinkError) in try Self.execute(steps, session: session) }
            return steps
        }
    }

    /// What the bridge's egress has.
    public func networkState(bridge: String) async throws(PatchbayError) -> HTBTreeState {
        try await run { session throws(PatchbayError) in
            try Self.translating { () throws(NetlinkError) in
                try Self.treeState(session, index: try Self.index(session, bridge), device: bridge)
            }
        }
    }

    // MARK: - On the thread

    private func run<T: Sendable>(_ body: @escaping @Sendable (NetlinkSession) throws(PatchbayError) -> T) async throws(PatchbayError) -> T {
        let session = self.session
        return try await thread.run { () throws(PatchbayError) -> T in try body(session) }
    }

    private static func plan<T>(_ body: () throws(BandwidthPlanError) -> T) throws(PatchbayError) -> T {
        do { return try body() } catch { throw PatchbayError(.invalidArgument, error.message) }
    }

    private static func translating<T>(_ body: () throws(NetlinkError) -> T) throws(PatchbayError) -> T {
        try translatingKernelErrors(body)
    }

    static func index(_ session: NetlinkSession, _ device: String) throws(NetlinkError) -> Int32 {
        guard let link = try session.link(named: device) else {
            throw NetlinkError(operation: "shape \(device)", errno: ENODEV, extendedMessage: "no device named \(device)")
        }
        return link.index
    }

    static func portState(_ session: NetlinkSession, device: String, ifb: String) throws(NetlinkError) -> PortBandwidthState {
        let index = try index(session, device)
        let qdiscs = try session.qdiscs(interfaceIndex: index, device: device)
        var state = PortBandwidthState(device: device, egress: try treeState(session, index: index, device: device, qdiscs: qdiscs))
        state.hasIngressQdisc = qdiscs.contains { $0.isIngress && $0.kind == "ingress" }
        if state.hasIngressQdisc {
            state.ingressRules = try session.filters(interfaceIndex: index, parent: TrafficFilterRequest.ingressDumpParent, device: device)
                .compactMap(U32RuleState.init)
        }
        if let link = try session.link(named: ifb) {
            state.ifb = IFBState(name: ifb, index: link.index, alias: link.alias.flatMap { $0.isEmpty ? nil : $0 }, isUp: link.isUp,
                                 tree: try treeState(session, index: link.index, device: ifb))
        }
        return state
    }

    static func treeState(_ session: NetlinkSession, index: Int32, device: String,
                          qdiscs known: [QdiscEntry]? = nil) throws(NetlinkError) -> HTBTreeState {
        let qdiscs: [QdiscEntry]
        if let known { qdiscs = known } else { qdiscs = try session.qdiscs(interfaceIndex: index, device: device) }
        guard let root = qdiscs.first(where: \.isRoot) else { return .empty }
        var state = HTBTreeState(rootKind: root.kind, rootHandle: root.handle, defaultClass: root.htb?.defaultClass)
        guard state.isHTBTree else { return state }
        // htb_dump_class reports a top-level class's parent as TC_H_ROOT; Patchbay (and tc's
        // `parent 1:`) names the qdisc.
        state.classes = try session.classes(interfaceIndex: index, device: device).compactMap { entry in
            let parent = entry.parent == .root ? TCHandle(major: entry.handle.major, minor: 0) : entry.parent
            return entry.htb.map { HTBClassPlan(handle: entry.handle, parent: parent, options: $0) }
        }
        state.rules = try session.filters(interfaceIndex: index, parent: HTBTreePlan.qdiscHandle, device: device)
            .compactMap(U32RuleState.init)
        return state
    }

    /// Makes the changes, resolving device names to indexes as it goes (an IFB made by an
    /// earlier step is found by a later one).
    static func execute(_ steps: [BandwidthStep], session: NetlinkSession) throws(NetlinkError) {
        var indexes: [String: Int32] = [:]
        func index(_ device: String) throws(NetlinkError) -> Int32 {
            if let known = indexes[device] { return known }
            let found = try Self.index(session, device)
            indexes[device] = found
            return found
        }
        for step in steps {
            do {
                try perform(step, session: session, index: index)
            } catch {
                throw explained(error, step: step)
            }
        }
    }

    private static func perform(_ step: BandwidthStep, session: NetlinkSession,
                                index: (String) throws(NetlinkError) -> Int32) throws(NetlinkError) {
        switch step {
        case .writeRoot(let device, let mode, let defaultClass):
            try session.writeQdisc(mode, interfaceIndex: try index(device), handle: HTBTreePlan.qdiscHandle, parent: .root,
                                   kind: .htb(HTBQdiscOptions(defaultClass: UInt32(defaultClass))), device: device)
        case .deleteRoot(let device):
            try session.deleteQdisc(interfaceIndex: try index(device), parent: .root, device: device)
        case .writeClass(let device, let mode, let c):
            try session.writeHTBClass(mode, interfaceIndex: try index(device), handle: c.handle, parent: c.parent,
                                      options: c.options, device: device)
        case .deleteClass(let device, let handle):
            try session.deleteClass(interfaceIndex: try index(device), handle: handle, device: device)
        case .writeMACRule(let device, let mode, let rule):
            try session.writeU32Filter(mode, interfaceIndex: try index(device), parent: HTBTreePlan.qdiscHandle,
                                       priority: HTBTreePlan.macFilterPriority, handle: rule.handle,
                                       options: U32FilterOptions(selector: .destinationMAC(rule.mac), classID: rule.classID),
                                       device: device)
        case .deleteRule(let device, let handle, let priority, let ingress):
            try session.deleteU32Filter(interfaceIndex: try index(device), parent: ingress ? .ingress : HTBTreePlan.qdiscHandle,
                                        priority: priority, handle: handle, device: device)
        case .createIFB(let name, let port):
            // Made under a temporary name, tagged, then renamed (DESIGN.md, ownership tags): a
            // daemon that dies midway leaves a tagged device or nothing under the real name.
            let temporary = "pbtmp" + String(UInt64.random(in: 0..<(1 << 40)), radix: 16)
            try session.createIFB(name: temporary, txQueueLength: 1000)
            let created = try index(temporary)
            do {
                try session.setAlias(index: created, BandwidthPlan.ifbTag(forPort: port))
                try session.rename(index: created, to: name)
                try session.setLinkUp(index: created, true)
            } catch {
                try? session.deleteLink(index: created)
                throw error
            }
        case .setIFBUp(let name):
            try session.setLinkUp(index: try index(name), true)
        case .deleteIFB(let name):
            try session.deleteLink(index: try index(name))
        case .addIngress(let device):
            try session.writeQdisc(.add, interfaceIndex: try index(device), handle: .ingress, parent: .ingressParent,
                                   kind: .ingress, device: device)
        case .deleteIngress(let device):
            try session.deleteQdisc(interfaceIndex: try index(device), handle: .ingress, parent: .ingressParent, kind: "ingress",
                                    device: device)
        case .writeRedirect(let device, let mode, let ifb):
            try session.writeU32Filter(mode, interfaceIndex: try index(device), parent: .ingress,
                                       priority: BandwidthSteps.redirectPriority, handle: BandwidthSteps.redirectHandle,
                                       options: U32FilterOptions(selector: .matchAll, actions: [.mirredEgressRedirect(to: try index(ifb))]),
                                       device: device)
        }
    }

    /// A kernel without a qdisc, classifier, action or link kind answers ENOENT or EOPNOTSUPP;
    /// the error then names the kernel option that provides it.
    static func explained(_ error: NetlinkError, step: BandwidthStep) -> NetlinkError {
        guard error.errno == ENOENT || error.errno == EOPNOTSUPP else { return error }
        let option: String? = switch step {
        case .writeRoot(_, .change, _), .writeClass(_, .change, _), .writeMACRule(_, .change, _): nil
        case .writeRoot, .writeClass: "CONFIG_NET_SCH_HTB"
        case .addIngress: "CONFIG_NET_SCH_INGRESS"
        case .writeMACRule: "CONFIG_NET_CLS_U32"
        case .writeRedirect: "CONFIG_NET_CLS_U32 and CONFIG_NET_ACT_MIRRED"
        case .createIFB: "CONFIG_IFB"
        default: nil
        }
        guard let option else { return error }
        var explained = error
        explained.extendedMessage = [error.extendedMessage, "is \(option) missing from this kernel?"].compactMap { $0 }.joined(separator: "; ")
        return explained
    }
}
