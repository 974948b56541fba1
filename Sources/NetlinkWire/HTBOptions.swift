/// The psched clock the kernel's token buckets count in: one tick is 64 ns (PSCHED_SHIFT 6 in
/// <net/pkt_sched.h>, reported as the second word of /proc/net/psched), so a second has
/// 15,625,000 ticks. HTB's `buffer` and `cbuffer` are the time a full bucket takes to drain at
/// the class's rate, in these ticks.
public enum PschedClock {
    public static let ticksPerSecond: UInt64 = 15_625_000

    /// iproute2's tc_calc_xmittime(rate, size): how long `bytes` take at `rate` bytes per second,
    /// in ticks (truncated, as tc truncates); nil for a zero rate.
    public static func ticks(bytes: UInt64, rate: UInt64) -> UInt64? {
        guard rate > 0 else { return nil }
        let (product, overflow) = bytes.multipliedReportingOverflow(by: ticksPerSecond)
        if overflow { return UInt64.max }
        return product / rate
    }

    /// The inverse: how many bytes a bucket of `ticks` holds at `rate` (tc's tc_calc_xmitsize).
    public static func bytes(ticks: UInt64, rate: UInt64) -> UInt64 {
        let (product, overflow) = ticks.multipliedReportingOverflow(by: rate)
        if overflow { return UInt64.max / ticksPerSecond }
        return product / ticksPerSecond
    }
}

/// struct tc_ratespec (<linux/pkt_sched.h>): u8 cell_log, u8 linklayer, u16 overhead,
/// s16 cell_align, u16 mpu, u32 rate (bytes per second, saturated at 2^32-1 when the real rate
/// travels in a 64-bit attribute). With linklayer TC_LINKLAYER_ETHERNET the kernel computes
/// transmission times itself and no rate table (TCA_HTB_RTAB/CTAB) is needed.
public struct TCRateSpec: Sendable, Hashable {
    public static let length = 12

    public var cellLog: UInt8
    public var linkLayer: UInt8
    public var overhead: UInt16
    public var cellAlign: Int16
    public var mpu: UInt16
    public var rate: UInt32

    /// What tc writes for an MTU of 1600 (its default): cell_log 3 and cell_align -1 are left
    /// over from the rate table tc still computes; the kernel ignores both for an Ethernet link layer.
    public init(rate: UInt64, linkLayer: UInt8 = NetlinkConstants.TC_LINKLAYER_ETHERNET, overhead: UInt16 = 0, mpu: UInt16 = 0,
                cellLog: UInt8 = 3, cellAlign: Int16 = -1) {
        self.cellLog = cellLog
        self.linkLayer = linkLayer
        self.overhead = overhead
        self.cellAlign = cellAlign
        self.mpu = mpu
        self.rate = UInt32(clamping: rate)
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [cellLog, linkLayer]
        withUnsafeBytes(of: overhead) { out += $0 }
        withUnsafeBytes(of: cellAlign) { out += $0 }
        withUnsafeBytes(of: mpu) { out += $0 }
        withUnsafeBytes(of: rate) { out += $0 }
        return out
    }

    init(parsing p: [UInt8], at offset: Int) {
        cellLog = p[offset]
        linkLayer = p[offset + 1]
        overhead = p.hostUInt16(at: offset + 2)
        cellAlign = Int16(bitPattern: p.hostUInt16(at: offset + 4))
        mpu = p.hostUInt16(at: offset + 6)
        rate = p.hostUInt32(at: offset + 8)
    }
}

/// An HTB qdisc's TCA_OPTIONS: TCA_HTB_INIT with struct tc_htb_glob (u32 version, u32
/// rate2quantum, u32 defcls, u32 debug, u32 direct_pkts), as `tc qdisc add ... htb default N` writes it.
public struct HTBQdiscOptions: Sendable, Hashable {
    public static let globLength = 20

    /// The minor number of the class unclassified traffic goes to (`default 1` is 1).
    public var defaultClass: UInt32
    public var rate2quantum: UInt32
    public var version: UInt32
    /// Read back only: packets sent straight through because no class took them (direct_pkts).
    public var directPackets: UInt32
    /// Read back only: TCA_HTB_DIRECT_QLEN.
    public var directQueueLength: UInt32?

    public init(defaultClass: UInt32, rate2quantum: UInt32 = 10, version: UInt32 = NetlinkConstants.TC_HTB_PROTOVER) {
        self.defaultClass = defaultClass
        self.rate2quantum = rate2quantum
        self.version = version
        directPackets = 0
    }

    /// The content of TCA_OPTIONS.
    public var attributes: [UInt8] {
        var glob: [UInt8] = []
        for word in [version, rate2quantum, defaultClass, 0, 0] { withUnsafeBytes(of: word) { glob += $0 } }
        var b = NetlinkAttributeBuilder()
        b.append(NetlinkConstants.TCA_HTB_INIT, bytes: glob)
        return b.bytes
    }

    public init(options: [NetlinkAttribute]) throws(NetlinkWireError) {
        guard let glob = options.first(NetlinkConstants.TCA_HTB_INIT)?.payload, glob.count >= Self.globLength else {
            throw NetlinkWireError("htb qdisc options without a struct tc_htb_glob", offset: 0)
        }
        version = glob.hostUInt32(at: 0)
        rate2quantum = glob.hostUInt32(at: 4)
        defaultClass = glob.hostUInt32(at: 8)
        directPackets = glob.hostUInt32(at: 16)
        directQueueLength = options.first(NetlinkConstants.TCA_HTB_DIRECT_QLEN)?.uint32
    }
}

/// An HTB class's TCA_OPTIONS: TCA_HTB_PARMS with struct tc_htb_opt (tc_ratespec rate, ceil;
/// u32 buffer, cbuffer (psched ticks), quantum, level, prio), preceded by TCA_HTB_RATE64 /
/// TCA_HTB_CEIL64 when a rate does not fit in 32 bits, as tc writes them. Rates are in bytes per
/// second.
public struct HTBClassOptions: Sendable, Hashable {
    public static let parmsLength = 44
    /// tc's default MTU for burst computations (`mtu 1600`).
    public static let defaultMTU: UInt64 = 1600
    /// The timer frequency tc reads from /proc/net/psched (its fourth word): 10^9 on every
    /// kernel with high-resolution timers, where tc's default burst `rate / HZ + mtu` is the MTU.
    public static let pschedHZ: UInt64 = 1_000_000_000

    public var rate: UInt64
    public var ceil: UInt64
    /// Bucket sizes in psched ticks at `rate` and `ceil`.
    public var buffer: UInt32
    public var cbuffer: UInt32
    /// Bytes a class may send in one round when classes share spare bandwidth (0: the kernel
    /// derives it from rate2quantum).
    public var quantum: UInt32
    public var priority: UInt32
    /// Read back only: 0 for a leaf, higher for inner classes.
    public var level: UInt32
    public var rateSpec: TCRateSpec
    public var ceilSpec: TCRateSpec

    /// `tc class ... htb rate R [ceil C] [burst B] [cburst CB] [quantum Q] [prio P]`: burst and
    /// cburst in bytes (tc's default, `rate / HZ + mtu`, when nil), converted to ticks as tc
    /// does; a bucket longer than 2^32-1 ticks is clamped (callers refuse those first).
    public init(rate: UInt64, ceil: UInt64? = nil, burst: UInt64? = nil, cburst: UInt64? = nil, quantum: UInt32 = 0,
                priority: UInt32 = 0) {
        self.rate = rate
        self.ceil = ceil ?? rate
        let burstBytes = burst ?? (rate / Self.pschedHZ + Self.defaultMTU)
        let cburstBytes = cburst ?? (self.ceil / Self.pschedHZ + Self.defaultMTU)
        buffer = UInt32(clamping: PschedClock.ticks(bytes: burstBytes, rate: rate) ?? 0)
        cbuffer = UInt32(clamping: PschedClock.ticks(bytes: cburstBytes, rate: self.ceil) ?? 0)
        self.quantum = quantum
        self.priority = priority
        level = 0
        rateSpec = TCRateSpec(rate: rate)
        ceilSpec = TCRateSpec(rate: self.ceil)
    }

    /// The bucket sizes in bytes (what `tc class show` prints as `burst` and `cburst`).
    public var burstBytes: UInt64 { PschedClock.bytes(ticks: UInt64(buffer), rate: rate) }
    public var cburstBytes: UInt64 { PschedClock.bytes(ticks: UInt64(cbuffer), rate: ceil) }

    /// Whether the kernel's class has these parameters: rates, buckets, quantum and priority
    /// (the level and the rate specs' leftovers are the kernel's business).
    public func sameShaping(as other: HTBClassOptions) -> Bool {
        rate == other.rate && ceil == other.ceil && buffer == other.buffer && cbuffer == other.cbuffer
            && quantum == other.quantum && priority == other.priority
    }

    /// The content of TCA_OPTIONS.
    public var attributes: [UInt8] {
        var b = NetlinkAttributeBuilder()
        if rate > UInt64(UInt32.max) { b.append(NetlinkConstants.TCA_HTB_RATE64, bytes: withUnsafeBytes(of: rate) { Array($0) }) }
        if ceil > UInt64(UInt32.max) { b.append(NetlinkConstants.TCA_HTB_CEIL64, bytes: withUnsafeBytes(of: ceil) { Array($0) }) }
        var parms = rateSpec.bytes + ceilSpec.bytes
        for word in [buffer, cbuffer, quantum, level, priority] { withUnsafeBytes(of: word) { parms += $0 } }
        b.append(NetlinkConstants.TCA_HTB_PARMS, bytes: parms)
        return b.bytes
    }

    public init(options: [NetlinkAttribute]) throws(NetlinkWireError) {
        guard let p = options.first(NetlinkConstants.TCA_HTB_PARMS)?.payload, p.count >= Self.parmsLength else {
            throw NetlinkWireError("htb class options without a struct tc_htb_opt", offset: 0)
        }
        rateSpec = TCRateSpec(parsing: p, at: 0)
        ceilSpec = TCRateSpec(parsing: p, at: 12)
        buffer = p.hostUInt32(at: 24)
        cbuffer = p.hostUInt32(at: 28)
        quantum = p.hostUInt32(at: 32)
        level = p.hostUInt32(at: 36)
        priority = p.hostUInt32(at: 40)
        rate = options.first(NetlinkConstants.TCA_HTB_RATE64)?.uint64 ?? UInt64(rateSpec.rate)
        ceil = options.first(NetlinkConstants.TCA_HTB_CEIL64)?.uint64 ?? UInt64(ceilSpec.rate)
    }
}
