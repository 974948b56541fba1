/// libvirt's `<forward mode>`; `.none` stands for a network without `<forward>` (isolated).
public enum ForwardMode: String, Sendable, Hashable, Codable, CaseIterable {
    case none, nat, route, open, bridge, `private`, vepa, passthrough, hostdev

    /// Modes in which the network owns a bridge that Patchbay creates and addresses, as opposed
    /// to attaching guests to an existing host device.
    public var createsBridge: Bool {
        switch self {
        case .none, .nat, .route, .open: true
        case .bridge, .private, .vepa, .passthrough, .hostdev: false
        }
    }
}
