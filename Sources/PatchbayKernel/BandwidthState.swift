import NetlinkWire
import PatchbayModel

/// A device's egress as read back: its root qdisc and, when that is an HTB tree, its classes
/// and u32 rules. Patchbay's trees are `htb` with handle `1:`; anything else at the root is
/// another program's (or the kernel's default) and is replaced only when a plan needs the root.
public struct HTBTreeState: Sendable, Hashable {
    public var rootKind: String?
    public var rootHandle: TCHandle?
    public var defaultClass: UInt32?
    public var classes: [HTBClassPlan]
    public var rules: [U32RuleState]

    public init(rootKind: String? = nil, rootHandle: TCHandle? = nil, defaultClass: UInt32? = nil,
                classes: [HTBClassPlan] = [], rules: [U32RuleState] = []) {
        self.rootKind = rootKind
        self.rootHandle = rootHandle
        self.defaultClass = defaultClass
        self.classes = classes
        self.rules = rules
    }

    /// Nothing at the root but the kernel's default.
    public static let empty = HTBTreeState()

    /// The root is an HTB qdisc with handle 1:, the shape of every Patchbay tree.
    public var isHTBTree: Bool { rootKind == "htb" && rootHandle == HTBTreePlan.qdiscHandle }
}

/// One u32 rule as read back (`fh 800::N`): where it files packets, whom it matches, what it does.
public struct U32RuleState: Sendable, Hashable {
    public var handle: UInt32
    public var priority: UInt16
    public var protocolNumber: UInt16
    public var classID: TCHandle?
    public var destinationMAC: MACAddress?
    public var matchesAll: Bool
    /// The device a mirred action redirects to the egress of, when the rule has one.
    public var redirectIndex: Int32?

    public init(handle: UInt32, priority: UInt16, protocolNumber: UInt16 = NetlinkConstants.ETH_P_ALL, classID: TCHandle? = nil,
                destinationMAC: MACAddress? = nil, matchesAll: Bool = false, redirectIndex: Int32? = nil) {
        self.handle = handle
        self.priority = priority
        self.protocolNumber = protocolNumber
        self.classID = classID
        self.destinationMAC = destinationMAC
        self.matchesAll = matchesAll
        self.redirectIndex = redirectIndex
    }

    /// A rule from a filter dump entry; nil for the classifier's and hash tables' own entries.
    public init?(_ entry: FilterEntry) {
        guard entry.isU32Rule, let u32 = entry.u32, let selector = u32.selector else { return nil }
        let redirect = u32.actions.first { $0.mirred?.isEgressRedirect == true }?.mirred
        self.init(handle: entry.handle, priority: entry.priority, protocolNumber: entry.protocolNumber, classID: u32.classID,
                  destinationMAC: selector.destinationMAC, matchesAll: selector.matchesAll && u32.classID == nil,
                  redirectIndex: redirect.map { Int32(bitPattern: $0.interfaceIndex) })
        if u32.actions.count != (redirect == nil ? 0 : 1) { redirectIndex = nil }
    }
}

/// An IFB as read back.
public struct IFBState: Sendable, Hashable {
    public var name: String
    public var index: Int32
    public var alias: String?
    public var isUp: Bool
    public var tree: HTBTreeState

    public init(name: String, index: Int32, alias: String?, isUp: Bool, tree: HTBTreeState) {
        self.name = name
        self.index = index
        self.alias = alias
        self.isUp = isUp
        self.tree = tree
    }
}

/// Everything Patchbay may have put on a port: the egress tree, the ingress qdisc with its
/// redirect rule, and the IFB with its tree.
public struct PortBandwidthState: Sendable, Hashable {
    public var device: String
    public var egress: HTBTreeState
    public var hasIngressQdisc: Bool
    /// The u32 rules of the ingress qdisc.
    public var ingressRules: [U32RuleState]
    public var ifb: IFBState?

    public init(device: String, egress: HTBTreeState = .empty, hasIngressQdisc: Bool = false, ingressRules: [U32RuleState] = [],
                ifb: IFBState? = nil) {
        self.device = device
        self.egress = egress
        self.hasIngressQdisc = hasIngressQdisc
        self.ingressRules = ingressRules
        self.ifb = ifb
    }

    /// The rule Patchbay redirects with: `prio 1 handle 800::1 u32 match u32 0 0 action mirred
    /// egress redirect dev IFB`.
    public var redirect: U32RuleState? {
        ingressRules.first { $0.priority == BandwidthSteps.redirectPriority && $0.handle == BandwidthSteps.redirectHandle }
    }
}

/// One change to the kernel, in the order `BandwidthSteps` lists them. Each is one netlink
/// request (an IFB's creation is several: create under a temporary name, tag, rename, up).
public enum BandwidthStep: Sendable, Hashable, CustomStringConvertible {
    case writeRoot(device: String, TrafficControlWrite, defaultClass: UInt16)
    case deleteRoot(device: String)
    case writeClass(device: String, TrafficControlWrite, HTBClassPlan)
    case deleteClass(device: String, TCHandle)
    case writeMACRule(device: String, TrafficControlWrite, MACFilterPlan)
    case deleteRule(device: String, handle: UInt32, priority: UInt16, ingress: Bool)
    case createIFB(name: String, port: String)
    case setIFBUp(name: String)
    case deleteIFB(name: String)
    case addIngress(device: String)
    case deleteIngress(device: String)
    case writeRedirect(device: String, TrafficControlWrite, ifb: String)

    public var description: String {
        func rule(_ handle: UInt32) -> String { "800::\(String(U32Handle.node(handle), radix: 16))" }
        switch self {
        case .writeRoot(let d, let mode, let def): return "tc qdisc \(mode) dev \(d) root handle 1: htb default \(String(def, radix: 16))"
        case .deleteRoot(let d): return "tc qdisc del dev \(d) root"
        case .writeClass(let d, let mode, let c):
            return "tc class \(mode) dev \(d) parent \(c.parent) classid \(c.handle) htb rate \(c.options.rate)Bps ceil \(c.options.ceil)Bps quantum \(c.options.quantum)"
        case .deleteClass(let d, let h): return "tc class del dev \(d) classid \(h)"
        case .writeMACRule(let d, let mode, let f):
            return "tc filter \(mode) dev \(d) parent 1: protocol all prio 2 handle \(rule(f.handle)) u32 match ether dst \(f.mac) flowid \(f.classID)"
        case .deleteRule(let d, let h, let p, let ingress):
            return "tc filter del dev \(d) parent \(ingress ? "ffff:" : "1:") prio \(p) handle \(rule(h)) u32"
        case .createIFB(let n, _): return "ip link add \(n) type ifb"
        case .setIFBUp(let n): return "ip link set \(n) up"
        case .deleteIFB(let n): return "ip link del \(n)"
        case .addIngress(let d): return "tc qdisc add dev \(d) ingress"
        case .deleteIngress(let d): return "tc qdisc del dev \(d) ingress"
        case .writeRedirect(let d, let mode, let ifb):
            return "tc filter \(mode) dev \(d) parent ffff: protocol all prio 1 handle 800::1 u32 match u32 0 0 action mirred egress redirect dev \(ifb)"
        }
    }
}

/// The difference between what a device has and what a plan wants, as the fewest changes that
/// keep traffic flowing: a class whose rates differ is changed in place (`tc class change`: its
/// queue and counters stay), a rule is replaced in place, and a tree is rebuilt only when the
/// root is not Patchbay's HTB tree. Equal state gives no steps, so applying twice does nothing.
public enum BandwidthSteps {
    public static let redirectPriority: UInt16 = 1
    public static let redirectHandle = U32Handle.rule(1)

    /// The steps that turn a port's state into the plan's. Throws when the plan needs an IFB
    /// whose name another program's device has.
    public static func port(from current: PortBandwidthState, to plan: BandwidthPlan) throws(BandwidthPlanError) -> [BandwidthStep] {
        let device = current.device
        var steps = tree(device: device, from: current.egress, to: plan.egress)
        let tag = BandwidthPlan.ifbTag(forPort: device)
        if let foreign = current.ifb, foreign.alias != tag {
            if plan.ingress != nil {
                throw BandwidthPlanError("the outbound bandwidth of \(device) needs the device \(plan.ifb), which exists and is not Patchbay's (its alias is \"\(foreign.alias ?? "")\", not \"\(tag)\")")
            }
        }
        let ours = current.ifb.flatMap { $0.alias == tag ? $0 : nil }
        if let shaping = plan.ingress {
            var fresh = false
            if let ifb = ours {
                if !ifb.isUp { steps.append(.setIFBUp(name: plan.ifb)) }
            } else {
                steps.append(.createIFB(name: plan.ifb, port: device))
                fresh = true
            }
            steps += tree(device: plan.ifb, from: ours?.tree ?? .empty, to: shaping)
            if !current.hasIngressQdisc { steps.append(.addIngress(device: device)) }
            if let redirect = current.redirect, current.hasIngressQdisc {
                let right = !fresh && redirect.matchesAll && redirect.redirectIndex == ours?.index
                    && redirect.protocolNumber == NetlinkConstants.ETH_P_ALL
                if !right { steps.append(.writeRedirect(device: device, .replace, ifb: plan.ifb)) }
            } else {
                steps.append(.writeRedirect(device: device, .add, ifb: plan.ifb))
            }
        } else {
            // Patchbay's ingress qdisc holds its redirect rule, or nothing; an ingress qdisc with
            // other rules is someone else's and stays.
            if current.hasIngressQdisc && (current.redirect != nil || current.ingressRules.isEmpty) {
                steps.append(.deleteIngress(device: device))
            }
            if ours != nil { steps.append(.deleteIFB(name: plan.ifb)) }
        }
        return steps
    }

    /// The steps that turn a device's egress into `desired` (nil: no Patchbay tree).
    public static func tree(device: String, from current: HTBTreeState, to desired: HTBTreePlan?) -> [BandwidthStep] {
        guard let desired else { return current.isHTBTree ? [.deleteRoot(device: device)] : [] }
        let currentClasses = Dictionary(current.classes.map { ($0.handle, $0) }, uniquingKeysWith: { a, _ in a })
        let reparented = desired.classes.contains { c in currentClasses[c.handle].map { $0.parent != c.parent } ?? false }
        guard current.isHTBTree, !reparented else {
            // A new tree: its root replaces whatever was there (so the device is never left
            // unshaped in between), then its classes and rules. A root that already has handle
            // 1: cannot be replaced by a new qdisc of that handle (the kernel would change it in
            // place, or refuse another kind), so it goes first.
            let first: [BandwidthStep] = current.rootHandle == HTBTreePlan.qdiscHandle
                ? [.deleteRoot(device: device), .writeRoot(device: device, .add, defaultClass: desired.defaultClass)]
                : [.writeRoot(device: device, .replace, defaultClass: desired.defaultClass)]
            return first + desired.classes.map { .writeClass(device: device, .add, $0) }
                + desired.macFilters.map { .writeMACRule(device: device, .add, $0) }
        }
        var steps: [BandwidthStep] = []
        if current.defaultClass != UInt32(desired.defaultClass) {
            steps.append(.writeRoot(device: device, .change, defaultClass: desired.defaultClass))
        }
        for wanted in desired.classes {
            if let have = currentClasses[wanted.handle] {
                if !have.options.sameShaping(as: wanted.options) { steps.append(.writeClass(device: device, .change, wanted)) }
            } else {
                steps.append(.writeClass(device: device, .add, wanted))
            }
        }
        let wantedRules = Dictionary(desired.macFilters.map { ($0.handle, $0) }, uniquingKeysWith: { a, _ in a })
        var present = Set<UInt32>()
        for rule in current.rules {
            if rule.priority == HTBTreePlan.macFilterPriority, wantedRules[rule.handle] != nil, !present.contains(rule.handle) {
                present.insert(rule.handle)
            } else {
                steps.append(.deleteRule(device: device, handle: rule.handle, priority: rule.priority, ingress: false))
            }
        }
        for wanted in desired.macFilters {
            if let have = current.rules.first(where: { $0.handle == wanted.handle && $0.priority == HTBTreePlan.macFilterPriority }) {
                if have.destinationMAC != wanted.mac || have.classID != wanted.classID || have.protocolNumber != NetlinkConstants.ETH_P_ALL {
                    steps.append(.writeMACRule(device: device, .replace, wanted))
                }
            } else {
                steps.append(.writeMACRule(device: device, .add, wanted))
            }
        }
        // Classes the plan no longer has, children before their parents.
        var extra = current.classes.filter { c in !desired.classes.contains { $0.handle == c.handle } }
        while !extra.isEmpty {
            let leaves = extra.filter { c in !extra.contains { $0.parent == c.handle } }
            let batch = leaves.isEmpty ? extra : leaves
            steps += batch.map { .deleteClass(device: device, $0.handle) }
            extra.removeAll { c in batch.contains { $0.handle == c.handle } }
        }
        return steps
    }
}
