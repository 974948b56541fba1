import NetlinkWire
import PatchbayModel

/// A `<bandwidth>` that cannot be turned into tc objects: a rate or burst out of range, floors
/// that promise more than the network has. The message names the port and the numbers.
public struct BandwidthPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One HTB class to have: `tc class ... parent P classid H htb OPTIONS`.
public struct HTBClassPlan: Sendable, Hashable {
    public var handle: TCHandle
    public var parent: TCHandle
    public var options: HTBClassOptions

    public init(handle: TCHandle, parent: TCHandle, options: HTBClassOptions) {
        self.handle = handle
        self.parent = parent
        self.options = options
    }
}

/// One u32 rule filing the frames for a destination MAC into a class, for any protocol:
/// `tc filter ... parent 1: protocol all prio 2 handle 800::ID u32 match (dst MAC) flowid 1:ID`.
public struct MACFilterPlan: Sendable, Hashable {
    public var mac: MACAddress
    public var classID: TCHandle
    /// The u32 rule's handle (800::ID, the class's minor number).
    public var handle: UInt32

    public init(mac: MACAddress, classID: TCHandle) {
        self.mac = mac
        self.classID = classID
        handle = U32Handle.rule(UInt32(classID.minor))
    }
}

/// A device's egress as Patchbay shapes it: a root HTB qdisc `1:` with a default class, its
/// classes (parents before children) and its MAC rules (the bridge's floors).
public struct HTBTreePlan: Sendable, Hashable {
    public static let qdiscHandle = TCHandle(major: 1, minor: 0)
    /// The priority of the floor rules (libvirt's `prio 2`).
    public static let macFilterPriority: UInt16 = 2

    public var defaultClass: UInt16
    public var classes: [HTBClassPlan]
    public var macFilters: [MACFilterPlan]

    public init(defaultClass: UInt16, classes: [HTBClassPlan], macFilters: [MACFilterPlan] = []) {
        self.defaultClass = defaultClass
        self.classes = classes
        self.macFilters = macFilters
    }
}

/// libvirt's `<bandwidth>` (src/util/virnetdevbandwidth.c) as tc objects, with true shaping for
/// what the guest sends:
///
/// - guest inbound (the port device's egress): root `htb 1: default 1`, class `1:1 rate AVERAGE
///   ceil PEAK burst BURST quantum Q`, as libvirt (less its sfq leaf and fw filter: HTB's default
///   class files every packet, and the leaf is HTB's own fifo);
/// - guest outbound (the port device's ingress): libvirt polices (`police ... drop`, which needs
///   act_police); Patchbay redirects the ingress to an IFB (`ingress` qdisc, `u32 match u32 0 0
///   action mirred egress redirect dev IFB`) and shapes the IFB's egress with the same HTB tree,
///   so `peak` is honoured and excess traffic is queued, not dropped;
/// - floors (the bridge's egress): `htb 1: default 2`, class `1:1` = the network's inbound
///   average (ceil its peak), `1:2` = what the floors leave (average minus their sum), one class
///   `1:ID rate FLOOR ceil NETPEAK` per port and a u32 rule on its destination MAC, `protocol all`,
///   so IPv6 and ARP are classified too (libvirt's rule matches IPv4 only).
///
/// Units: `<bandwidth>` rates are kilobytes per second and libvirt hands them to tc as `kbps`,
/// which iproute2 (tc_util.c, its rate suffix table, matched case-insensitively: `KBps` = 8000
/// bit/s) reads as 1000 bytes per second; bursts are `kb`, which iproute2's get_size reads as
/// 1024 bytes. HTB's rates are bytes per second.
public struct BandwidthPlan: Sendable, Hashable {
    /// The guest's inbound: the port device's egress.
    public var egress: HTBTreePlan?
    /// The guest's outbound: the tree on the IFB the port's ingress is redirected to.
    public var ingress: HTBTreePlan?
    /// The IFB's name (set whatever `ingress` is, so a plan without it still names the device to remove).
    public var ifb: String

    public init(egress: HTBTreePlan?, ingress: HTBTreePlan?, ifb: String) {
        self.egress = egress
        self.ingress = ingress
        self.ifb = ifb
    }

    /// Whether the plan shapes nothing (every Patchbay object of the port goes).
    public var isEmpty: Bool { egress == nil && ingress == nil }

    // MARK: Units

    /// `<bandwidth>` kilobytes per second as HTB's bytes per second (tc `kbps`: 1000 B/s).
    public static func bytesPerSecond(kilobytesPerSecond value: UInt64) -> UInt64? {
        let (result, overflow) = value.multipliedReportingOverflow(by: 1000)
        return overflow ? nil : result
    }

    /// `<bandwidth>` burst kilobytes as bytes (tc `kb`: 1024 B).
    public static func burstBytes(kilobytes value: UInt64) -> UInt64? {
        let (result, overflow) = value.multipliedReportingOverflow(by: 1024)
        return overflow ? nil : result
    }

    /// libvirt's virNetDevBandwidthCmdAddOptimalQuantum: `average × 1024 / 8 / 1500` (its MTU),
    /// at least 1, so classes of small rates still get a quantum.
    public static func quantum(kilobytesPerSecond average: UInt64) -> UInt32 {
        let (scaled, overflow) = average.multipliedReportingOverflow(by: 1024)
        let q = overflow ? UInt64(UInt32.max) : scaled / 8 / 1500
        return UInt32(clamping: max(q, 1))
    }

    // MARK: Names

    /// The IFB of a port: `ifb-DEVICE` when that fits in IFNAMSIZ (15 bytes), else `ifb-` and
    /// 11 hex digits of the FNV-1a hash of the device name, which is the same in every process
    /// (unlike Swift's seeded `Hasher`).
    public static func ifbName(forPort device: String) -> String {
        let direct = "ifb-" + device
        if direct.utf8.count <= 15 { return direct }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in device.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        return "ifb-" + padded.prefix(11)
    }

    /// The ownership tag an IFB carries (IFLA_IFALIAS), naming the port it shapes.
    public static func ifbTag(forPort device: String) -> String { "patchbay:ifb:\(device)" }

    // MARK: Plans

    /// The tc objects for a port's `<bandwidth>` (nil or empty: none). `floor` is the network's
    /// business (`network(inbound:floors:)`) and ignored here.
    public static func port(_ bandwidth: BandwidthDefinition?, device: String) throws(BandwidthPlanError) -> BandwidthPlan {
        let egress = try bandwidth?.inbound.flatMap { rate throws(BandwidthPlanError) in
            try singleClassTree(rate, what: "inbound bandwidth of \(device)")
        }
        let ingress = try bandwidth?.outbound.flatMap { rate throws(BandwidthPlanError) in
            try singleClassTree(rate, what: "outbound bandwidth of \(device)")
        }
        return BandwidthPlan(egress: egress, ingress: ingress, ifb: ifbName(forPort: device))
    }

    /// One port's floor: the class `1:ID` the network gives it and the destination MAC that
    /// selects it.
    public typealias Floor = BandwidthFloor

    /// The first class ID a port's floor may have: 1:1 and 1:2 are the network's.
    public static let firstFloorClassID: UInt16 = 3
    /// The last: a floor class's u32 rule is `800::ID`, and u32 numbers rules in 12 bits.
    public static let lastFloorClassID = UInt16(U32Handle.maximumNode)

    /// The bridge's tree for the network's `<inbound>` and its ports' floors (nil without an
    /// inbound average: nothing on the bridge). Floors of 0 guarantee nothing and get no class.
    public static func network(bridge: String, inbound: BandwidthRate?, floors: [Floor]) throws(BandwidthPlanError) -> HTBTreePlan? {
        let guaranteed = floors.filter { $0.floor > 0 }
        guard let inbound, let average = inbound.average, average > 0 else {
            if let first = guaranteed.first {
                throw BandwidthPlanError("the port with MAC \(first.mac) asks for a floor of \(first.floor) KB/s, but network bridge \(bridge) has no inbound average to guarantee it from")
            }
            return nil
        }
        try check(inbound, what: "inbound bandwidth of network bridge \(bridge)")
        let ceil = inbound.peak ?? average
        let quantum = quantum(kilobytesPerSecond: average)
        var classes = [HTBClassPlan(handle: TCHandle(major: 1, minor: 1), parent: HTBTreePlan.qdiscHandle,
                                    options: try options(rate: average, ceil: ceil, burst: nil, quantum: quantum,
                                                         what: "network bridge \(bridge)"))]
        var sum: UInt64 = 0
        var seenIDs = Set<UInt16>(), seenMACs = Set<MACAddress>()
        var floorClasses: [HTBClassPlan] = [], filters: [MACFilterPlan] = []
        for port in guaranteed {
            guard (firstFloorClassID...lastFloorClassID).contains(port.classID) else {
                throw BandwidthPlanError("the floor class of the port with MAC \(port.mac) is 1:\(String(port.classID, radix: 16)); floor classes are 1:3 ... 1:fff")
            }
            guard seenIDs.insert(port.classID).inserted else {
                throw BandwidthPlanError("two ports with floors on network bridge \(bridge) have class 1:\(String(port.classID, radix: 16))")
            }
            guard seenMACs.insert(port.mac).inserted else {
                throw BandwidthPlanError("two ports with floors on network bridge \(bridge) have MAC \(port.mac)")
            }
            let (total, overflow) = sum.addingReportingOverflow(port.floor)
            sum = overflow ? UInt64.max : total
            guard sum <= average else {
                throw BandwidthPlanError("the floor of the port with MAC \(port.mac) (\(port.floor) KB/s) brings the floors on network bridge \(bridge) to \(sum) KB/s, over its inbound average of \(average) KB/s")
            }
            let handle = TCHandle(major: 1, minor: port.classID)
            floorClasses.append(HTBClassPlan(handle: handle, parent: TCHandle(major: 1, minor: 1),
                                             options: try options(rate: port.floor, ceil: ceil, burst: nil,
                                                                  quantum: Self.quantum(kilobytesPerSecond: port.floor),
                                                                  what: "the floor of the port with MAC \(port.mac)")))
            filters.append(MACFilterPlan(mac: port.mac, classID: handle))
        }
        // What the floors leave to everyone else; HTB refuses a rate of 0, so a fully promised
        // network keeps 1 KB/s of guarantee for the rest (their ceil still lets them borrow).
        let rest = max(average - sum, 1)
        classes.append(HTBClassPlan(handle: TCHandle(major: 1, minor: 2), parent: TCHandle(major: 1, minor: 1),
                                    options: try options(rate: rest, ceil: ceil, burst: inbound.burst, quantum: quantum,
                                                         what: "network bridge \(bridge)")))
        return HTBTreePlan(defaultClass: 2, classes: classes + floorClasses, macFilters: filters)
    }

    private static func singleClassTree(_ rate: BandwidthRate, what: String) throws(BandwidthPlanError) -> HTBTreePlan? {
        guard let average = rate.average, average > 0 else {
            if rate.peak != nil || rate.burst != nil {
                throw BandwidthPlanError("\(what): peak and burst need an average")
            }
            return nil
        }
        try check(rate, what: what)
        let options = try options(rate: average, ceil: rate.peak, burst: rate.burst,
                                  quantum: quantum(kilobytesPerSecond: average), what: what)
        return HTBTreePlan(defaultClass: 1, classes: [HTBClassPlan(handle: TCHandle(major: 1, minor: 1),
                                                                    parent: HTBTreePlan.qdiscHandle, options: options)])
    }

    private static func check(_ rate: BandwidthRate, what: String) throws(BandwidthPlanError) {
        if let peak = rate.peak, let average = rate.average, peak < average {
            throw BandwidthPlanError("\(what): peak \(peak) KB/s is below the average \(average) KB/s")
        }
    }

    /// HTB options in the kernel's units; refuses rates and bursts the kernel cannot hold.
    private static func options(rate: UInt64, ceil: UInt64?, burst: UInt64?, quantum: UInt32,
                                what: String) throws(BandwidthPlanError) -> HTBClassOptions {
        guard let bytesRate = bytesPerSecond(kilobytesPerSecond: rate),
              let bytesCeil = bytesPerSecond(kilobytesPerSecond: ceil ?? rate) else {
            throw BandwidthPlanError("\(what): \(max(rate, ceil ?? 0)) KB/s is beyond any link")
        }
        var burstBytes: UInt64?
        if let burst {
            guard let bytes = Self.burstBytes(kilobytes: burst), bytes <= UInt64(UInt32.max),
                  let ticks = PschedClock.ticks(bytes: bytes, rate: bytesRate), ticks <= UInt64(UInt32.max) else {
                throw BandwidthPlanError("\(what): a burst of \(burst) KB at \(rate) KB/s is longer than the kernel's token bucket can hold (2^32 psched ticks, 274 s)")
            }
            burstBytes = bytes
        }
        return HTBClassOptions(rate: bytesRate, ceil: bytesCeil, burst: burstBytes, quantum: quantum)
    }
}
