import Glibc
import NetlinkWire
import PatchbayModel

/// Route operations, IPv4 and IPv6. Each names the iproute2 command it is equivalent to.
extension NetlinkSession {
    /// Equivalent to: `ip route show table all dev NAME` (every table, both families), less the
    /// kernel's IPv6 cache entries (RTM_F_CLONED). With nil, every route of the namespace.
    public func routes(ofInterfaceIndex index: Int32?) throws(NetlinkError) -> [RouteEntry] {
        var result: [RouteEntry] = []
        for message in try dump(RouteRequest.dump(), operation: "dump routes") where message.type == NetlinkConstants.RTM_NEWROUTE {
            let entry: RouteEntry
            do { entry = try RouteEntry(message: message) } catch {
                throw NetlinkError(operation: "dump routes", errno: EPROTO, extendedMessage: error.description)
            }
            if entry.flags & NetlinkConstants.RTM_F_CLONED != 0 { continue }
            if let index, entry.outputInterfaceIndex != UInt32(bitPattern: index) { continue }
            result.append(entry)
        }
        return result
    }

    /// Equivalent to: `ip route add ROUTE dev DEV`.
    public func addRoute(_ route: HostRoute, interfaceIndex: Int32) throws(NetlinkError) {
        try execute(RouteRequest.add(route, interfaceIndex: UInt32(bitPattern: interfaceIndex)),
                    operation: "add route \(route) dev \(interfaceIndex)")
    }

    /// Equivalent to: `ip route replace ROUTE dev DEV`.
    public func replaceRoute(_ route: HostRoute, interfaceIndex: Int32) throws(NetlinkError) {
        try execute(RouteRequest.replace(route, interfaceIndex: UInt32(bitPattern: interfaceIndex)),
                    operation: "replace route \(route) dev \(interfaceIndex)")
    }

    /// Equivalent to: `ip route del ROUTE dev DEV`.
    public func deleteRoute(_ route: HostRoute, interfaceIndex: Int32) throws(NetlinkError) {
        try execute(RouteRequest.delete(route, interfaceIndex: UInt32(bitPattern: interfaceIndex)),
                    operation: "delete route \(route) dev \(interfaceIndex)")
    }
}
