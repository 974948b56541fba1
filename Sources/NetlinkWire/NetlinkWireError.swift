/// A netlink buffer that does not hold what its length fields promise. The kernel never sends
/// these; a fuzzer or a bug does, and the parser must say where instead of trapping.
public struct NetlinkWireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var what: String
    public var offset: Int

    public init(_ what: String, offset: Int) {
        self.what = what
        self.offset = offset
    }

    public var description: String { "malformed netlink data at byte \(offset): \(what)" }
}
