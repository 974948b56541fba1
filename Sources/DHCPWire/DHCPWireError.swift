/// A DHCP packet that is not what RFC 2131 says it must be. Servers drop such packets; the error
/// says where the packet went wrong so a capture can be checked against it.
public struct DHCPWireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var what: String
    public var offset: Int

    public init(_ what: String, offset: Int) {
        self.what = what
        self.offset = offset
    }

    public var description: String { "malformed DHCP packet at byte \(offset): \(what)" }
}
