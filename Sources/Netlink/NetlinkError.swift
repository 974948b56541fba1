import Glibc

/// A failed netlink operation: which operation, the kernel's errno, and the kernel's own
/// explanation when it sent one (extended ACK). Callers match on `errno` (EEXIST, ENODEV, ...).
public struct NetlinkError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public var extendedMessage: String?

    public init(operation: String, errno: Int32, extendedMessage: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.extendedMessage = extendedMessage
    }

    /// The errno's text, e.g. "File exists".
    public var errnoText: String { String(cString: strerror(errno)) }

    public var description: String {
        var text = "\(operation): \(errnoText)"
        if let extendedMessage, !extendedMessage.isEmpty { text += " (kernel: \(extendedMessage))" }
        return text
    }

    public var isAlreadyExists: Bool { errno == EEXIST }
    public var isNoSuchDevice: Bool { errno == ENODEV }
    public var isNoSuchAddress: Bool { errno == EADDRNOTAVAIL }
}
