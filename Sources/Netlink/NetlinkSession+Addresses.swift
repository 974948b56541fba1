import Glibc
import NetlinkWire
import PatchbayModel

/// Address operations. Each names the iproute2 command it is equivalent to.
extension NetlinkSession {
    /// Equivalent to: `ip addr add ADDRESS/PREFIX dev NAME` (with `brd +` for IPv4).
    public func addAddress(_ address: InterfaceAddress, to name: String) throws(NetlinkError) {
        let operation = "add address \(address) to \(name)"
        let index = try requireIndex(name, for: operation)
        try execute(AddressRequest.add(address, interfaceIndex: UInt32(bitPattern: index)), operation: operation)
    }

    /// Equivalent to: `ip addr del ADDRESS/PREFIX dev NAME`.
    public func deleteAddress(_ address: InterfaceAddress, from name: String) throws(NetlinkError) {
        let operation = "delete address \(address) from \(name)"
        let index = try requireIndex(name, for: operation)
        try execute(AddressRequest.delete(address, interfaceIndex: UInt32(bitPattern: index)), operation: operation)
    }

    /// Equivalent to: `ip addr show` (or `ip addr show dev NAME` with `interface`).
    public func addresses(of interface: String? = nil) throws(NetlinkError) -> [AddressEntry] {
        let filterIndex = try interface.map { name throws(NetlinkError) in try requireIndex(name, for: "list addresses of \(name)") }
        var result: [AddressEntry] = []
        for message in try dump(AddressRequest.dump(), operation: "dump addresses") where message.type == NetlinkConstants.RTM_NEWADDR {
            let entry: AddressEntry
            do { entry = try AddressEntry(message: message) } catch {
                throw NetlinkError(operation: "dump addresses", errno: EPROTO, extendedMessage: error.description)
            }
            if let filterIndex, entry.interfaceIndex != UInt32(bitPattern: filterIndex) { continue }
            result.append(entry)
        }
        return result
    }
}
