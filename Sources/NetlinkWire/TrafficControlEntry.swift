/// Counters of a qdisc or class from TCA_STATS2: struct gnet_stats_basic (u64 bytes, u32
/// packets) in TCA_STATS_BASIC and struct gnet_stats_queue (u32 qlen, backlog, drops, requeues,
/// overlimits) in TCA_STATS_QUEUE, the numbers of `tc -s qdisc show`.
public struct TCStatistics: Sendable, Hashable {
    public var bytes: UInt64
    public var packets: UInt32
    public var drops: UInt32
    public var overlimits: UInt32
    public var backlogBytes: UInt32
    public var queueLength: UInt32

    public init(bytes: UInt64 = 0, packets: UInt32 = 0, drops: UInt32 = 0, overlimits: UInt32 = 0, backlogBytes: UInt32 = 0,
                queueLength: UInt32 = 0) {
        self.bytes = bytes
        self.packets = packets
        self.drops = drops
        self.overlimits = overlimits
        self.backlogBytes = backlogBytes
        self.queueLength = queueLength
    }

    init?(_ attributes: [NetlinkAttribute]) throws(NetlinkWireError) {
        guard let stats = try attributes.first(NetlinkConstants.TCA_STATS2)?.nested() else { return nil }
        self.init()
        if let basic = stats.first(NetlinkConstants.TCA_STATS_BASIC)?.payload, basic.count >= 12 {
            bytes = basic.hostUInt64(at: 0)
            packets = basic.hostUInt32(at: 8)
        }
        if let queue = stats.first(NetlinkConstants.TCA_STATS_QUEUE)?.payload, queue.count >= 20 {
            queueLength = queue.hostUInt32(at: 0)
            backlogBytes = queue.hostUInt32(at: 4)
            drops = queue.hostUInt32(at: 8)
            overlimits = queue.hostUInt32(at: 16)
        }
    }
}

/// Splits a traffic-control message into its header and attributes.
private func parseTC(_ message: NetlinkMessage) throws(NetlinkWireError) -> (TcMessage, [NetlinkAttribute]) {
    let header = try TcMessage(parsing: message.payload)
    let attributes = try NetlinkAttribute.parse(message.payload.dropFirst(TcMessage.length),
                                                baseOffset: NetlinkMessage.headerLength + TcMessage.length)
    return (header, attributes)
}

/// A qdisc as an RTM_NEWQDISC reply describes it (a line of `tc -s qdisc show dev DEV`).
public struct QdiscEntry: Sendable, Hashable {
    public var interfaceIndex: Int32
    public var handle: TCHandle
    /// TC_H_ROOT for a root qdisc, TC_H_INGRESS for ingress/clsact, a class for a leaf qdisc.
    public var parent: TCHandle
    public var kind: String
    public var htb: HTBQdiscOptions?
    /// struct tc_fifo_qopt of pfifo/bfifo.
    public var fifoLimit: UInt32?
    public var statistics: TCStatistics?

    public init(interfaceIndex: Int32, handle: TCHandle, parent: TCHandle, kind: String, htb: HTBQdiscOptions? = nil,
                fifoLimit: UInt32? = nil, statistics: TCStatistics? = nil) {
        self.interfaceIndex = interfaceIndex
        self.handle = handle
        self.parent = parent
        self.kind = kind
        self.htb = htb
        self.fifoLimit = fifoLimit
        self.statistics = statistics
    }

    public var isRoot: Bool { parent == .root }
    public var isIngress: Bool { parent == .ingressParent }

    public init(message: NetlinkMessage) throws(NetlinkWireError) {
        let (header, attributes) = try parseTC(message)
        self.init(interfaceIndex: header.interfaceIndex, handle: TCHandle(rawValue: header.handle),
                  parent: TCHandle(rawValue: header.parent), kind: attributes.first(NetlinkConstants.TCA_KIND)?.string ?? "")
        if let options = attributes.first(NetlinkConstants.TCA_OPTIONS) {
            switch kind {
            case "htb": htb = try HTBQdiscOptions(options: try options.nested())
            case "pfifo", "bfifo": fifoLimit = options.uint32
            default: break
            }
        }
        statistics = try TCStatistics(attributes)
    }
}

/// A class as an RTM_NEWTCLASS reply describes it (a line of `tc -s class show dev DEV`).
public struct TrafficClassEntry: Sendable, Hashable {
    public var interfaceIndex: Int32
    public var handle: TCHandle
    /// The qdisc (`1:`) for a top-level class, else the parent class.
    public var parent: TCHandle
    public var kind: String
    public var htb: HTBClassOptions?
    public var statistics: TCStatistics?

    public init(interfaceIndex: Int32, handle: TCHandle, parent: TCHandle, kind: String, htb: HTBClassOptions? = nil,
                statistics: TCStatistics? = nil) {
        self.interfaceIndex = interfaceIndex
        self.handle = handle
        self.parent = parent
        self.kind = kind
        self.htb = htb
        self.statistics = statistics
    }

    public init(message: NetlinkMessage) throws(NetlinkWireError) {
        let (header, attributes) = try parseTC(message)
        self.init(interfaceIndex: header.interfaceIndex, handle: TCHandle(rawValue: header.handle),
                  parent: TCHandle(rawValue: header.parent), kind: attributes.first(NetlinkConstants.TCA_KIND)?.string ?? "")
        if kind == "htb", let options = try attributes.first(NetlinkConstants.TCA_OPTIONS)?.nested() {
            htb = try HTBClassOptions(options: options)
        }
        statistics = try TCStatistics(attributes)
    }
}

/// A filter as an RTM_NEWTFILTER reply describes it (a line of `tc filter show dev DEV
/// [ingress]`). A u32 classifier dumps three kinds of entry: the classifier itself (handle 0, no
/// options), its hash table (`fh 800:`, a divisor) and each rule (`fh 800::N`, a selector).
public struct FilterEntry: Sendable, Hashable {
    public var interfaceIndex: Int32
    public var handle: UInt32
    public var parent: TCHandle
    public var priority: UInt16
    /// Host order: ETH_P_ALL (3) for `protocol all`.
    public var protocolNumber: UInt16
    public var kind: String
    public var chain: UInt32?
    public var u32: U32FilterOptions?

    public init(interfaceIndex: Int32, handle: UInt32, parent: TCHandle, priority: UInt16, protocolNumber: UInt16,
                kind: String, chain: UInt32? = nil, u32: U32FilterOptions? = nil) {
        self.interfaceIndex = interfaceIndex
        self.handle = handle
        self.parent = parent
        self.priority = priority
        self.protocolNumber = protocolNumber
        self.kind = kind
        self.chain = chain
        self.u32 = u32
    }

    /// A u32 rule (not the classifier's or a hash table's own entry).
    public var isU32Rule: Bool { kind == "u32" && u32?.selector != nil }

    public init(message: NetlinkMessage) throws(NetlinkWireError) {
        let (header, attributes) = try parseTC(message)
        self.init(interfaceIndex: header.interfaceIndex, handle: header.handle, parent: TCHandle(rawValue: header.parent),
                  priority: header.filterPriority, protocolNumber: header.filterProtocol,
                  kind: attributes.first(NetlinkConstants.TCA_KIND)?.string ?? "",
                  chain: attributes.first(NetlinkConstants.TCA_CHAIN)?.uint32)
        if kind == "u32", let options = try attributes.first(NetlinkConstants.TCA_OPTIONS)?.nested() {
            u32 = try U32FilterOptions(options: options)
        }
    }
}

/// u32 handles: htid (12 bits) : hash (8 bits) : node (12 bits), as tc prints `800::3`.
public enum U32Handle {
    /// The handle of rule `node` in the root hash table 800: (`800::node`).
    public static func rule(_ node: UInt32) -> UInt32 { 0x800 << 20 | (node & 0xFFF) }

    /// The node part of a rule's handle.
    public static func node(_ handle: UInt32) -> UInt32 { handle & 0xFFF }

    /// The largest node number: rules are numbered 1 ... 0xFFF.
    public static let maximumNode: UInt32 = 0xFFF
}
