import PatchbayModel

/// Watches a port's device for the first IPv4 address its guest uses (libvirt's
/// CTRL_IP_LEARNING=any); the daemon's learner reads the device's frames, tests a recording fake.
/// A device may not exist yet when it is named: the watch begins once it does.
public protocol NWFilterAddressLearning: Sendable {
    func watch(device: String, mac: MACAddress) async
    func stop(device: String) async
}

/// For daemons and tests that learn nothing from traffic.
public final class NoAddressLearning: NWFilterAddressLearning {
    public init() {}
    public func watch(device: String, mac: MACAddress) async {}
    public func stop(device: String) async {}
}
