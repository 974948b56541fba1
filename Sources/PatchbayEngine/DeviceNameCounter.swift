import Synchronization

/// Hands out `vnetN` candidates for new ports, each number once, going on after the last one
/// handed out (as the kernel's tun driver and libvirt's virNetDevTapReserveName do), so that
/// finding a free name costs a lookup or two instead of a scan from vnet0 past every port.
/// Numbers are drawn under a lock: port creations on different networks run at once, and two
/// of them never test the same candidate.
final class DeviceNameCounter: Sendable {
    /// `vnet2147483647` still fits the kernel's 15 bytes of a device name; then it wraps.
    static let highest = Int(Int32.max)
    private let next = Mutex(0)

    /// The next candidate; the caller checks the kernel and the store before using it.
    func candidate() -> String {
        next.withLock { number in
            defer { number = number == Self.highest ? 0 : number + 1 }
            return "vnet\(number)"
        }
    }

    /// At start-up: go on after the highest `vnetN` among `devices` (the stored ports'), so the
    /// first port after a restart does not test every name the others hold.
    func continueAfter(_ devices: some Sequence<String>) {
        let highest = devices.compactMap { name -> Int? in
            guard name.hasPrefix("vnet"), let number = Int(name.dropFirst(4)), number >= 0, number < Self.highest else { return nil }
            return number
        }.max()
        guard let highest else { return }
        next.withLock { $0 = max($0, highest + 1) }
    }
}
