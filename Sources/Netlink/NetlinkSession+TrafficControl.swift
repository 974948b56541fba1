import Glibc
import NetlinkWire

/// Traffic control: qdiscs, classes and u32 filters on a device known by index, and the IFB
/// devices a port's ingress is redirected to. Each names the tc command it is equivalent to.
/// `device` only labels errors ("replace htb class 1:1 on vnet0"), so a caller's error says
/// which device and which object the kernel refused.
extension NetlinkSession {
    /// Equivalent to: `tc qdisc add|replace|change dev DEV (root | ingress | parent P) handle H KIND ...`.
    public func writeQdisc(_ mode: TrafficControlWrite, interfaceIndex: Int32, handle: TCHandle, parent: TCHandle,
                           kind: QdiscKind, device: String? = nil) throws(NetlinkError) {
        try execute(QdiscRequest.write(mode, interfaceIndex: interfaceIndex, handle: handle, parent: parent, kind: kind),
                    operation: "\(mode) \(kind.name) qdisc \(handle) (parent \(parent)) on \(label(device, interfaceIndex))")
    }

    /// Equivalent to: `tc qdisc del dev DEV root` / `tc qdisc del dev DEV ingress` /
    /// `tc qdisc del dev DEV parent P handle H`.
    public func deleteQdisc(interfaceIndex: Int32, handle: TCHandle = .unspecified, parent: TCHandle, kind: String? = nil,
                            device: String? = nil) throws(NetlinkError) {
        try execute(QdiscRequest.delete(interfaceIndex: interfaceIndex, handle: handle, parent: parent, kind: kind),
                    operation: "delete \(kind ?? "") qdisc \(handle) (parent \(parent)) on \(label(device, interfaceIndex))")
    }

    /// Equivalent to: `tc -s qdisc show dev DEV`.
    public func qdiscs(interfaceIndex: Int32, device: String? = nil) throws(NetlinkError) -> [QdiscEntry] {
        let operation = "dump qdiscs of \(label(device, interfaceIndex))"
        var result: [QdiscEntry] = []
        for message in try dump(QdiscRequest.dump(interfaceIndex: interfaceIndex), operation: operation)
        where message.type == NetlinkConstants.RTM_NEWQDISC {
            let entry: QdiscEntry
            do { entry = try QdiscEntry(message: message) } catch {
                throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: error.description)
            }
            if entry.interfaceIndex == interfaceIndex { result.append(entry) }
        }
        return result
    }

    /// Equivalent to: `tc class add|replace|change dev DEV parent P classid H htb ...`.
    public func writeHTBClass(_ mode: TrafficControlWrite, interfaceIndex: Int32, handle: TCHandle, parent: TCHandle,
                              options: HTBClassOptions, device: String? = nil) throws(NetlinkError) {
        try execute(TrafficClassRequest.writeHTB(mode, interfaceIndex: interfaceIndex, handle: handle, parent: parent, options: options),
                    operation: "\(mode) htb class \(handle) (parent \(parent), rate \(options.rate) B/s, ceil \(options.ceil) B/s) on \(label(device, interfaceIndex))")
    }

    /// Equivalent to: `tc class del dev DEV classid H`.
    public func deleteClass(interfaceIndex: Int32, handle: TCHandle, device: String? = nil) throws(NetlinkError) {
        try execute(TrafficClassRequest.delete(interfaceIndex: interfaceIndex, handle: handle),
                    operation: "delete class \(handle) on \(label(device, interfaceIndex))")
    }

    /// Equivalent to: `tc -s class show dev DEV`.
    public func classes(interfaceIndex: Int32, device: String? = nil) throws(NetlinkError) -> [TrafficClassEntry] {
        let operation = "dump classes of \(label(device, interfaceIndex))"
        var result: [TrafficClassEntry] = []
        for message in try dump(TrafficClassRequest.dump(interfaceIndex: interfaceIndex), operation: operation)
        where message.type == NetlinkConstants.RTM_NEWTCLASS {
            do { result.append(try TrafficClassEntry(message: message)) } catch {
                throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: error.description)
            }
        }
        return result.filter { $0.interfaceIndex == interfaceIndex }
    }

    /// Equivalent to: `tc filter add|replace|change dev DEV parent P protocol PROTO prio N handle H u32 ...`.
    public func writeU32Filter(_ mode: TrafficControlWrite, interfaceIndex: Int32, parent: TCHandle, priority: UInt16,
                               protocol proto: UInt16 = NetlinkConstants.ETH_P_ALL, handle: UInt32, options: U32FilterOptions,
                               device: String? = nil) throws(NetlinkError) {
        try execute(TrafficFilterRequest.writeU32(mode, interfaceIndex: interfaceIndex, parent: parent, priority: priority,
                                                  protocol: proto, handle: handle, options: options),
                    operation: "\(mode) u32 filter \(String(handle, radix: 16)) (parent \(parent), prio \(priority)) on \(label(device, interfaceIndex))")
    }

    /// Equivalent to: `tc filter del dev DEV parent P prio N handle H u32`.
    public func deleteU32Filter(interfaceIndex: Int32, parent: TCHandle, priority: UInt16, handle: UInt32,
                                device: String? = nil) throws(NetlinkError) {
        try execute(TrafficFilterRequest.deleteU32(interfaceIndex: interfaceIndex, parent: parent, priority: priority, handle: handle),
                    operation: "delete u32 filter \(String(handle, radix: 16)) (parent \(parent), prio \(priority)) on \(label(device, interfaceIndex))")
    }

    /// Equivalent to: `tc filter show dev DEV parent P` (`tc filter show dev DEV ingress` with
    /// `TrafficFilterRequest.ingressDumpParent`). A device without that qdisc has no filters.
    public func filters(interfaceIndex: Int32, parent: TCHandle, device: String? = nil) throws(NetlinkError) -> [FilterEntry] {
        let operation = "dump filters of \(label(device, interfaceIndex)) (parent \(parent))"
        var result: [FilterEntry] = []
        let messages: [NetlinkMessage]
        do {
            messages = try dump(TrafficFilterRequest.dump(interfaceIndex: interfaceIndex, parent: parent), operation: operation)
        } catch where error.errno == EINVAL || error.errno == ENOENT {
            return []
        }
        for message in messages where message.type == NetlinkConstants.RTM_NEWTFILTER {
            do { result.append(try FilterEntry(message: message)) } catch {
                throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: error.description)
            }
        }
        return result
    }

    /// Equivalent to: `ip link add NAME [txqueuelen N] type ifb`.
    public func createIFB(name: String, txQueueLength: UInt32? = nil) throws(NetlinkError) {
        try execute(LinkRequest.createIFB(name: name, txQueueLength: txQueueLength), operation: "create ifb \(name)")
    }

    private func label(_ device: String?, _ index: Int32) -> String { device ?? "interface \(index)" }
}
