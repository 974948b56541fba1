import NIOCore

/// How a traffic-control write treats an existing object, as tc's verbs do (tc_qdisc.c,
/// tc_class.c, tc_filter.c):
/// - `add`: NLM_F_CREATE|NLM_F_EXCL, EEXIST when it exists;
/// - `replace`: create or replace (NLM_F_CREATE|NLM_F_REPLACE; for classes tc sends
///   NLM_F_CREATE alone, which the kernel treats as create-or-change);
/// - `change`: flags 0, ENOENT when it does not exist. An existing qdisc or class is changed in
///   place: its queue, its children and its counters stay.
public enum TrafficControlWrite: Sendable, Hashable {
    case add, replace, change

    var qdiscOrFilterFlags: UInt16 {
        typealias C = NetlinkConstants
        switch self {
        case .add: return C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL
        case .replace: return C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE
        case .change: return C.NLM_F_REQUEST | C.NLM_F_ACK
        }
    }

    var classFlags: UInt16 {
        typealias C = NetlinkConstants
        switch self {
        case .add: return C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL
        case .replace: return C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE
        case .change: return C.NLM_F_REQUEST | C.NLM_F_ACK
        }
    }
}

/// The qdiscs Patchbay writes, with their options.
public enum QdiscKind: Sendable, Hashable {
    case htb(HTBQdiscOptions)
    /// The ingress qdisc (handle ffff:, parent TC_H_INGRESS); it has no options.
    case ingress
    /// pfifo with a packet limit (struct tc_fifo_qopt).
    case pfifo(limit: UInt32)

    public var name: String {
        switch self {
        case .htb: "htb"
        case .ingress: "ingress"
        case .pfifo: "pfifo"
        }
    }
}

/// Builders for RTM_*QDISC requests, laid out as tc writes them (checked against
/// `strace -e sendmsg -xx tc qdisc ...`): struct tcmsg, TCA_KIND with its NUL, TCA_OPTIONS.
public enum QdiscRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `tc qdisc add|replace|change dev DEV (root | parent P | ingress) handle H KIND OPTIONS`.
    public static func write(_ mode: TrafficControlWrite, interfaceIndex: Int32, handle: TCHandle, parent: TCHandle,
                             kind: QdiscKind) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.TCA_KIND, string: kind.name)
        switch kind {
        case .htb(let options):
            b.nest(C.TCA_OPTIONS) { o in o.appendRaw(options.attributes) }
        case .ingress:
            break
        case .pfifo(let limit):
            b.append(C.TCA_OPTIONS, uint32: limit)
        }
        let header = TcMessage(interfaceIndex: interfaceIndex, handle: handle.rawValue, parent: parent.rawValue)
        return NetlinkMessage(type: C.RTM_NEWQDISC, flags: mode.qdiscOrFilterFlags, payload: header.bytes + b.bytes)
    }

    /// Equivalent to: `tc qdisc add dev DEV ingress` (handle ffff:, parent TC_H_INGRESS).
    public static func addIngress(interfaceIndex: Int32, _ mode: TrafficControlWrite = .add) -> NetlinkMessage {
        write(mode, interfaceIndex: interfaceIndex, handle: .ingress, parent: .ingressParent, kind: .ingress)
    }

    /// Equivalent to: `tc qdisc del dev DEV root` (handle 0: whatever is at the root), or
    /// `tc qdisc del dev DEV parent P handle H`. `kind` (tc sends it for `del dev DEV ingress`)
    /// lets the kernel refuse to delete a qdisc of another kind.
    public static func delete(interfaceIndex: Int32, handle: TCHandle = .unspecified, parent: TCHandle,
                              kind: String? = nil) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        if let kind { b.append(C.TCA_KIND, string: kind) }
        let header = TcMessage(interfaceIndex: interfaceIndex, handle: handle.rawValue, parent: parent.rawValue)
        return NetlinkMessage(type: C.RTM_DELQDISC, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, payload: header.bytes + b.bytes)
    }

    /// Equivalent to: `tc qdisc del dev DEV ingress`.
    public static func deleteIngress(interfaceIndex: Int32) -> NetlinkMessage {
        delete(interfaceIndex: interfaceIndex, handle: .ingress, parent: .ingressParent, kind: "ingress")
    }

    /// Equivalent to: `tc qdisc show dev DEV`. The kernel dumps the qdiscs of every device (the
    /// index only helps newer kernels); the session keeps those of DEV.
    public static func dump(interfaceIndex: Int32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETQDISC, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP,
                       payload: TcMessage(interfaceIndex: interfaceIndex).bytes)
    }
}

/// Builders for RTM_*TCLASS requests (HTB classes), as tc writes them without rate tables.
public enum TrafficClassRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `tc class add|replace|change dev DEV parent P classid H htb rate R ceil C
    /// burst B cburst CB quantum Q prio N`.
    public static func writeHTB(_ mode: TrafficControlWrite, interfaceIndex: Int32, handle: TCHandle, parent: TCHandle,
                                options: HTBClassOptions) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.TCA_KIND, string: "htb")
        b.nest(C.TCA_OPTIONS) { o in o.appendRaw(options.attributes) }
        let header = TcMessage(interfaceIndex: interfaceIndex, handle: handle.rawValue, parent: parent.rawValue)
        return NetlinkMessage(type: C.RTM_NEWTCLASS, flags: mode.classFlags, payload: header.bytes + b.bytes)
    }

    /// Equivalent to: `tc class del dev DEV classid H`.
    public static func delete(interfaceIndex: Int32, handle: TCHandle) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_DELTCLASS, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                       payload: TcMessage(interfaceIndex: interfaceIndex, handle: handle.rawValue).bytes)
    }

    /// Equivalent to: `tc class show dev DEV`.
    public static func dump(interfaceIndex: Int32) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETTCLASS, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP,
                       payload: TcMessage(interfaceIndex: interfaceIndex).bytes)
    }
}

/// Builders for RTM_*TFILTER requests (u32 classifiers), as tc writes them.
public enum TrafficFilterRequest {
    private typealias C = NetlinkConstants

    /// The parent iproute2 dumps `tc filter show dev DEV ingress` with: TC_H_MAKE(TC_H_CLSACT,
    /// TC_H_MIN_INGRESS), which names the ingress qdisc's filters and clsact's ingress ones.
    public static let ingressDumpParent = TCHandle(rawValue: 0xFFFF_0000 | C.TC_H_MIN_INGRESS)

    /// Equivalent to: `tc filter add|replace|change dev DEV parent P protocol PROTO prio N
    /// handle 800::K u32 [flowid C] [action ...] match ...`.
    public static func writeU32(_ mode: TrafficControlWrite, interfaceIndex: Int32, parent: TCHandle, priority: UInt16,
                                protocol proto: UInt16 = NetlinkConstants.ETH_P_ALL, handle: UInt32,
                                options: U32FilterOptions) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.TCA_KIND, string: "u32")
        b.nest(C.TCA_OPTIONS) { o in o.appendRaw(options.attributes) }
        let header = TcMessage(interfaceIndex: interfaceIndex, handle: handle, parent: parent.rawValue,
                               info: TcMessage.filterInfo(priority: priority, protocol: proto))
        return NetlinkMessage(type: C.RTM_NEWTFILTER, flags: mode.qdiscOrFilterFlags, payload: header.bytes + b.bytes)
    }

    /// Equivalent to: `tc filter del dev DEV parent P prio N handle 800::K u32` (protocol 0:
    /// any, as tc sends it without `protocol`).
    public static func deleteU32(interfaceIndex: Int32, parent: TCHandle, priority: UInt16, handle: UInt32) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.append(C.TCA_KIND, string: "u32")
        let header = TcMessage(interfaceIndex: interfaceIndex, handle: handle, parent: parent.rawValue,
                               info: UInt32(priority) << 16)
        return NetlinkMessage(type: C.RTM_DELTFILTER, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, payload: header.bytes + b.bytes)
    }

    /// Equivalent to: `tc filter show dev DEV parent P` (`ingress`: `ingressDumpParent`).
    public static func dump(interfaceIndex: Int32, parent: TCHandle) -> NetlinkMessage {
        NetlinkMessage(type: C.RTM_GETTFILTER, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP,
                       payload: TcMessage(interfaceIndex: interfaceIndex, parent: parent.rawValue).bytes)
    }
}

extension LinkRequest {
    /// Equivalent to: `ip link add NAME [txqueuelen N] type ifb`: an intermediate functional
    /// block, the device a port's ingress is redirected to so that it can be shaped as egress.
    public static func createIFB(name: String, txQueueLength: UInt32? = nil) -> NetlinkMessage {
        typealias C = NetlinkConstants
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFNAME, string: name)
        if let txQueueLength { b.append(C.IFLA_TXQLEN, uint32: txQueueLength) }
        b.nest(C.IFLA_LINKINFO) { info in info.append(C.IFLA_INFO_KIND, unterminatedString: "ifb") }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL,
                              payload: IfInfoMessage().bytes + b.bytes)
    }
}

extension NetlinkAttributeBuilder {
    /// Bytes that are already attributes (built by another builder), copied into this one.
    public mutating func appendRaw(_ attributes: [UInt8]) {
        var grown = buffer
        grown.writeBytes(attributes)
        self = NetlinkAttributeBuilder(buffer: grown)
    }
}
