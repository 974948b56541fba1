import Synchronization

/// Hands out `vnetN` (or `macvtapN`) candidates for new ports, each number once, going on after the last one
/// handed out (as the kernel's tun driver and libvirt's virNetDevTapReserveName do), so that
/// finding a free name costs a lookup or two instead of a scan from vnet0 past every port.
/// Numbers are drawn under a lock: port creations on different networks run at once, and two
/// of them never test the same candidate.
final class DeviceNameCounter: Sendable {
    static let largest = Int(Int32.max)
    /// "vnet" or "macvtap": libvirt's names for the two kinds of guest device.
    let prefix: String
    private let next = Mutex(0)

    /// The highest number whose name still fits the kernel's 15 bytes: vnet2147483647,
    /// macvtap99999999; then the numbers wrap.
    let highest: Int

    init(prefix: String) {
        self.prefix = prefix
        let digits = 15 - prefix.count
        var fitting = 1
        for _ in 0..<min(max(digits, 1), 9) { fitting *= 10 }
        highest = digits >= 10 ? Self.largest : fitting - 1
    }

    /// The next candidate; the caller checks the kernel and the store before using it.
    func candidate() -> String {
        next.withLock { number in
            defer { number = number >= highest ? 0 : number + 1 }
            return "\(prefix)\(number)"
        }
    }

    /// At start-up: go on after the highest name of this prefix among `devices` (the stored ports'), so the
    /// first port after a restart does not test every name the others hold.
    func continueAfter(_ devices: some Sequence<String>) {
        let limit = highest
        let last = devices.compactMap { name -> Int? in
            guard name.hasPrefix(prefix), let number = Int(name.dropFirst(prefix.count)), number >= 0, number < limit else { return nil }
            return number
        }.max()
        guard let last else { return }
        next.withLock { $0 = max($0, last + 1) }
    }
}
