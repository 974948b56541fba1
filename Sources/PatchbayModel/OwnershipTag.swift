/// The mark Patchbay leaves on every kernel object it creates, so that reconciliation adopts and
/// deletes only what is its own: a libvirt `virbr0` created while the daemon was down, or a
/// `vnet3` that QEMU's own helper opened, carries no tag (or another one) and is left alone.
///
/// Devices carry it as their alias (IFLA_IFALIAS, `ip link set DEV alias ...`, up to 255 bytes);
/// nft rules that Patchbay adds to other programs' chains carry it as their comment.
public enum OwnershipTag: Sendable, Hashable, CustomStringConvertible {
    /// The bridge of the network with this UUID.
    case network(NetworkUUID)
    /// The device of the network port with this UUID.
    case port(NetworkUUID)

    static let prefix = "patchbay:"

    public var description: String {
        switch self {
        case .network(let uuid): "\(Self.prefix)network:\(uuid)"
        case .port(let uuid): "\(Self.prefix)port:\(uuid)"
        }
    }

    /// Reads an alias or comment; nil for anything that is not one of Patchbay's tags.
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let rest = text.dropFirst(Self.prefix.count)
        if rest.hasPrefix("network:"), let uuid = NetworkUUID(rest.dropFirst("network:".count)) {
            self = .network(uuid)
        } else if rest.hasPrefix("port:"), let uuid = NetworkUUID(rest.dropFirst("port:".count)) {
            self = .port(uuid)
        } else {
            return nil
        }
    }

    /// Whether `text` is any Patchbay tag (used to refuse someone else's device).
    public static func isPatchbay(_ text: String?) -> Bool { text.flatMap(OwnershipTag.init) != nil }

    /// A fresh device name for the window between creating a device and tagging it: 15 bytes,
    /// `pbtmp` and ten random hex digits, recorded in the store before the device exists.
    public static func temporaryDeviceName() -> String {
        var generator = SystemRandomNumberGenerator()
        return temporaryDeviceName(using: &generator)
    }

    /// Whether `name` has the form of `temporaryDeviceName()`.
    public static func isTemporaryDeviceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count == 15 && name.hasPrefix("pbtmp")
            && bytes.dropFirst(5).allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    public static func temporaryDeviceName<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let digits = Array("0123456789abcdef")
        return "pbtmp" + String((0..<10).map { _ in digits[Int.random(in: 0..<16, using: &generator)] })
    }
}
