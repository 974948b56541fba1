/// What changed on a link, from the kernel's RTM_NEWLINK notices: the kernel sends one for
/// every change (and for statistics-only updates), so the tracker keeps the fields Patchbay
/// reports and says which of them moved.
public struct LinkTracker: Sendable {
    public struct State: Sendable, Hashable {
        public var carrier: Bool
        public var up: Bool
        public var mtu: UInt32
        public var master: Int32?
        public init(carrier: Bool, up: Bool, mtu: UInt32, master: Int32?) {
            self.carrier = carrier
            self.up = up
            self.mtu = mtu
            self.master = master
        }
    }

    public enum Change: Sendable, Hashable {
        case carrierUp
        case carrierDown
        /// Anything else Patchbay reports, described as `ip monitor link` would: "mtu 1500 → 9000".
        case changed(String)
    }

    private var states: [Int32: State] = [:]

    public init() {}

    /// The changes since the last notice for this link; none for the first one seen (the link
    /// appearing is reported by whoever made it: port-created, network-started).
    /// `name` names a master by its index where it can ("master → virbr1").
    public mutating func update(index: Int32, to state: State, name: (Int32) -> String? = { _ in nil }) -> [Change] {
        guard let old = states.updateValue(state, forKey: index) else { return [] }
        var changes: [Change] = []
        if old.carrier != state.carrier { changes.append(state.carrier ? .carrierUp : .carrierDown) }
        var parts: [String] = []
        if old.up != state.up { parts.append(state.up ? "set up" : "set down") }
        if old.mtu != state.mtu { parts.append("mtu \(old.mtu) → \(state.mtu)") }
        if old.master != state.master {
            parts.append(state.master.map { "master → \(name($0) ?? "index \($0)")" } ?? "left its master")
        }
        if !parts.isEmpty { changes.append(.changed(parts.joined(separator: ", "))) }
        return changes
    }

    public mutating func remove(index: Int32) { states[index] = nil }
}
