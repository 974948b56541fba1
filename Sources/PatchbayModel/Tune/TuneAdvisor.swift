/// What the tuning checks read, gathered by the daemon (PatchbayKernel's `KernelTuning`) and
/// judged here, purely, so every rule is unit-tested without a kernel.
public struct TuneReadings: Sendable, Hashable {
    /// Each of `TuneAdvisor.sysctls`' keys: its value, or nil when this network namespace has no
    /// such file (a global key seen from a child namespace).
    public var sysctls: [String: String?]
    /// Whether /dev/vhost-net exists.
    public var vhostNet: Bool
    /// TAP ports with their queue count (a TAP with more than one is made IFF_MULTI_QUEUE).
    public var taps: [TapQueues]
    public var devices: [DeviceReading]

    public init(sysctls: [String: String?], vhostNet: Bool, taps: [TapQueues], devices: [DeviceReading]) {
        self.sysctls = sysctls
        self.vhostNet = vhostNet
        self.taps = taps
        self.devices = devices
    }

    public struct TapQueues: Sendable, Hashable {
        public var device: String
        public var owner: String
        public var queues: Int

        public init(device: String, owner: String, queues: Int) {
            self.device = device
            self.owner = owner
            self.queues = queues
        }
    }

    /// A bridge or uplink of an active network, as SIOCETHTOOL reports it.
    public struct DeviceReading: Sendable, Hashable {
        public enum Role: String, Sendable, Hashable {
            /// A bridge Patchbay made (it turns transmit checksumming off on purpose).
            case ownedBridge = "bridge"
            case hostBridge = "host bridge"
            case uplink
        }

        public var name: String
        public var role: Role
        public var network: String
        /// The driver's name (ETHTOOL_GDRVINFO), e.g. `bridge`, `veth`, `e1000e`.
        public var driver: String?
        /// Offload name (`tso`, `gso`, `gro`, `sg`, `tx-checksum`) → on; a missing name is one the
        /// driver does not report.
        public var offloads: [String: Bool]
        /// ETHTOOL_GRINGPARAM: nil when the driver has no rings.
        public var rings: Rings?
        /// ETHTOOL_GCHANNELS: nil when the driver has no channels.
        public var channels: Channels?

        public init(name: String, role: Role, network: String, driver: String?, offloads: [String: Bool], rings: Rings?, channels: Channels?) {
            self.name = name
            self.role = role
            self.network = network
            self.driver = driver
            self.offloads = offloads
            self.rings = rings
            self.channels = channels
        }
    }

    public struct Rings: Sendable, Hashable {
        public var rx: UInt32, rxMax: UInt32, tx: UInt32, txMax: UInt32
        public init(rx: UInt32, rxMax: UInt32, tx: UInt32, txMax: UInt32) {
            self.rx = rx; self.rxMax = rxMax; self.tx = tx; self.txMax = txMax
        }
    }

    public struct Channels: Sendable, Hashable {
        public var combined: UInt32, combinedMax: UInt32, rx: UInt32, rxMax: UInt32, tx: UInt32, txMax: UInt32
        public init(combined: UInt32, combinedMax: UInt32, rx: UInt32, rxMax: UInt32, tx: UInt32, txMax: UInt32) {
            self.combined = combined; self.combinedMax = combinedMax; self.rx = rx; self.rxMax = rxMax; self.tx = tx; self.txMax = txMax
        }
    }
}

/// The tuning advice as checks: the value now, the value recommended and why.
public enum TuneAdvisor {
    /// A sysctl rule: the key, the least value worth having (for the three-number TCP keys, the
    /// maximum, their third number) and why.
    public struct SysctlRule: Sendable, Hashable {
        public var key: String
        public var minimum: UInt64
        public var why: String
    }

    /// 16 MiB: a 10 Gbit/s stream over a 10 ms path keeps 12.5 MB in flight.
    public static let bufferMaximum: UInt64 = 16 * 1024 * 1024

    public static let sysctls: [SysctlRule] = [
        SysctlRule(key: "net.core.rmem_max", minimum: bufferMaximum,
                   why: "the most a socket may ask for with SO_RCVBUF (QEMU's and vhost's sockets, iperf3 -w); the default 212992 bytes caps a stream that sets its buffer"),
        SysctlRule(key: "net.core.wmem_max", minimum: bufferMaximum,
                   why: "the most a socket may ask for with SO_SNDBUF; the default 212992 bytes caps a sender that sets its buffer"),
        SysctlRule(key: "net.ipv4.tcp_rmem", minimum: bufferMaximum,
                   why: "the third number is how far TCP's receive autotuning may grow a buffer: the window, and so the throughput of one stream over a path with delay"),
        SysctlRule(key: "net.ipv4.tcp_wmem", minimum: bufferMaximum,
                   why: "the third number is how far TCP's send autotuning may grow a buffer: what a sender keeps in flight"),
        SysctlRule(key: "net.core.netdev_max_backlog", minimum: 5_000,
                   why: "packets queued per CPU between a device and the stack; TAPs of busy multi-queue guests burst past the default 1000 and the excess is dropped"),
    ]

    public static func checks(_ readings: TuneReadings) -> [TuneCheck] {
        var checks = sysctls.map { sysctlCheck($0, readings.sysctls[$0.key] ?? nil) }
        checks.append(vhostCheck(readings.vhostNet))
        checks.append(tapQueueCheck(readings.taps))
        for device in readings.devices {
            checks += offloadChecks(device)
            checks.append(ringCheck(device))
            checks.append(channelCheck(device))
        }
        return checks
    }

    /// Parses a sysctl's value: one number, or several separated by white space.
    static func numbers(_ text: String) -> [UInt64]? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        let values = parts.compactMap { UInt64($0) }
        return values.count == parts.count && !values.isEmpty ? values : nil
    }

    static func sysctlCheck(_ rule: SysctlRule, _ value: String?) -> TuneCheck {
        let name = "sysctl \(rule.key)"
        guard let value else {
            return TuneCheck(name: name, current: "-", recommended: "≥ \(rule.minimum)",
                             why: "not in this network namespace: on this kernel the key is global and only the host's first namespace has it; " + rule.why,
                             status: .unavailable, key: rule.key)
        }
        guard let numbers = numbers(value) else {
            return TuneCheck(name: name, current: value, recommended: "≥ \(rule.minimum)", why: "the value is not a number; " + rule.why,
                             status: .unavailable, key: rule.key)
        }
        let current = numbers.joined()
        if numbers.count == 3 {
            guard numbers[2] < rule.minimum else {
                return TuneCheck(name: name, current: current, recommended: current, why: rule.why, status: .ok, key: rule.key)
            }
            let recommended = "\(numbers[0]) \(numbers[1]) \(rule.minimum)"
            return TuneCheck(name: name, current: current, recommended: recommended, why: rule.why, status: .advice, applicable: true, key: rule.key)
        }
        guard numbers[0] < rule.minimum else {
            return TuneCheck(name: name, current: current, recommended: current, why: rule.why, status: .ok, key: rule.key)
        }
        return TuneCheck(name: name, current: current, recommended: "\(rule.minimum)", why: rule.why, status: .advice, applicable: true, key: rule.key)
    }

    static func vhostCheck(_ present: Bool) -> TuneCheck {
        present
            ? TuneCheck(name: "vhost-net", current: "/dev/vhost-net present", recommended: "present",
                        why: "virtio-net guests move packets in the kernel (vhost) instead of through QEMU's own thread: use <driver name='vhost'/>",
                        status: .ok)
            : TuneCheck(name: "vhost-net", current: "no /dev/vhost-net", recommended: "present (modprobe vhost_net; a kernel with CONFIG_VHOST_NET)",
                        why: "without vhost-net QEMU copies every packet of a virtio-net guest through its own userspace thread, at a fraction of the throughput and more latency; this kernel needs CONFIG_VHOST_NET (or the module loaded)",
                        status: .advice)
    }

    static func tapQueueCheck(_ taps: [TuneReadings.TapQueues]) -> TuneCheck {
        let multi = taps.filter { $0.queues > 1 }
        let single = taps.filter { $0.queues <= 1 }
        let current = taps.isEmpty ? "no TAP ports" : "\(taps.count) TAP port(s): \(multi.count) multi-queue"
            + (multi.isEmpty ? "" : " (" + multi.map { "\($0.device) \($0.queues) queues" }.joined(separator: ", ") + ")")
            + (single.isEmpty ? "" : ", \(single.count) single-queue")
        return TuneCheck(name: "multiqueue TAPs", current: current, recommended: "queues = the guest's vCPUs",
                         why: "Patchbay makes a TAP multi-queue (IFF_MULTI_QUEUE) when its port asks for queues > 1 (net-port-create --queues N); a single queue is served by one vhost thread and one vCPU's interrupts. For a guest with N vCPUs create the port with --queues N and set <driver name='vhost' queues='N'/> on the domain's <interface>",
                         status: .info)
    }

    /// The offloads worth having on a bridge or uplink, and the one Patchbay turns off.
    static func offloadChecks(_ device: TuneReadings.DeviceReading) -> [TuneCheck] {
        let what = "\(device.role.rawValue) of \(device.network)"
        var checks: [TuneCheck] = []
        for (offload, why) in [("tso", "TCP segmentation offload: the stack hands 64 KiB segments down instead of MTU-sized packets"),
                               ("gso", "generic segmentation offload: segments are cut as late as possible, once, instead of per hop"),
                               ("gro", "generic receive offload: received packets of one flow are merged before the bridge and firewall see them"),
                               ("sg", "scatter-gather: needed for the segmentation offloads to be used at all")] {
            let name = "offload \(offload) \(device.name)"
            guard let on = device.offloads[offload] else {
                checks.append(TuneCheck(name: name, current: "-", recommended: "on", why: "the driver does not report it (\(what))", status: .unavailable))
                continue
            }
            checks.append(TuneCheck(name: name, current: on ? "on" : "off", recommended: "on",
                                    why: why + " (\(what))" + (on ? "" : "; ethtool -K \(device.name) \(offload) on"),
                                    status: on ? .ok : .advice))
        }
        if let on = device.offloads["tx-checksum"] {
            let name = "offload tx-checksum \(device.name)"
            if device.role == .ownedBridge {
                checks.append(TuneCheck(name: name, current: on ? "on" : "off", recommended: "off",
                                        why: "Patchbay turns it off on its bridges on purpose: nftables has no CHECKSUM target, and DHCP replies the host sends must reach guests with correct checksums; only traffic the host itself sends pays (\(what))",
                                        status: on ? .advice : .ok))
            } else {
                checks.append(TuneCheck(name: name, current: on ? "on" : "off", recommended: "on",
                                        why: "the NIC computes checksums of what the host sends (\(what))" + (on ? "" : "; ethtool -K \(device.name) tx on"),
                                        status: on ? .ok : .advice))
            }
        }
        return checks
    }

    static func ringCheck(_ device: TuneReadings.DeviceReading) -> TuneCheck {
        let name = "rings \(device.name)"
        guard let rings = device.rings else {
            return TuneCheck(name: name, current: "-", recommended: "-",
                             why: "the \(device.driver ?? "device's") driver has no rings (virtual devices such as bridges, veth and dummy queue in software)",
                             status: .unavailable)
        }
        let current = "rx \(rings.rx)/\(rings.rxMax) tx \(rings.tx)/\(rings.txMax)"
        let atMax = rings.rx >= rings.rxMax && rings.tx >= rings.txMax
        return TuneCheck(name: name, current: current, recommended: "rx \(rings.rxMax) tx \(rings.txMax)",
                         why: "larger rings absorb bursts without drops, at the cost of some latency under load" + (atMax ? "" : "; ethtool -G \(device.name) rx \(rings.rxMax) tx \(rings.txMax)"),
                         status: atMax ? .ok : .advice)
    }

    static func channelCheck(_ device: TuneReadings.DeviceReading) -> TuneCheck {
        let name = "queues \(device.name)"
        guard let channels = device.channels, channels.combinedMax + channels.rxMax + channels.txMax > 0 else {
            return TuneCheck(name: name, current: "-", recommended: "-",
                             why: "the \(device.driver ?? "device's") driver has no queues to set (no ETHTOOL_GCHANNELS)", status: .unavailable)
        }
        let current = "combined \(channels.combined)/\(channels.combinedMax) rx \(channels.rx)/\(channels.rxMax) tx \(channels.tx)/\(channels.txMax)"
        let atMax = channels.combined >= channels.combinedMax && channels.rx >= channels.rxMax && channels.tx >= channels.txMax
        return TuneCheck(name: name, current: current,
                         recommended: "combined \(channels.combinedMax) rx \(channels.rxMax) tx \(channels.txMax)",
                         why: "one queue per core spreads a NIC's interrupts and softirq work over the CPUs" + (atMax ? "" : "; ethtool -L \(device.name) combined \(channels.combinedMax)"),
                         status: atMax ? .ok : .advice)
    }
}

extension [UInt64] {
    fileprivate func joined() -> String { map(String.init).joined(separator: " ") }
}
