import PatchbayModel

/// One key of a u32 selector (struct tc_u32_key: __be32 mask, __be32 val, int off, int offmask):
/// the 32-bit word at `offset` from the network header, masked, must equal `value`. `value` and
/// `mask` are the numbers tc's `match u32 VALUE MASK at OFFSET` takes; they travel big-endian.
public struct U32Key: Sendable, Hashable {
    public static let length = 16

    public var value: UInt32
    public var mask: UInt32
    public var offset: Int32
    public var offsetMask: Int32

    public init(value: UInt32, mask: UInt32, offset: Int32, offsetMask: Int32 = 0) {
        self.value = value & mask
        self.mask = mask
        self.offset = offset
        self.offsetMask = offsetMask
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: mask.bigEndian) { out += $0 }
        withUnsafeBytes(of: value.bigEndian) { out += $0 }
        withUnsafeBytes(of: offset) { out += $0 }
        withUnsafeBytes(of: offsetMask) { out += $0 }
        return out
    }
}

/// struct tc_u32_sel (<linux/pkt_cls.h>): u8 flags, u8 offshift, u8 nkeys, u8 pad, __be16
/// offmask, u16 off, s16 offoff, s16 hoff, __be32 hmask, then `nkeys` keys. Patchbay writes
/// single-level selectors only (no hashing, no offsets from the packet), TC_U32_TERMINAL set as tc
/// sets it for a filter with a class or an action.
public struct U32Selector: Sendable, Hashable {
    public static let headerLength = 16

    public var flags: UInt8
    public var keys: [U32Key]

    public init(keys: [U32Key], flags: UInt8 = NetlinkConstants.TC_U32_TERMINAL) {
        self.flags = flags
        self.keys = keys
    }

    /// `match u32 0 0`: every packet.
    public static let matchAll = U32Selector(keys: [U32Key(value: 0, mask: 0, offset: 0)])

    /// The Ethernet destination address, for any protocol: `match u16 0xAABB 0xffff at -14
    /// match u32 0xCCDDEEFF 0xffffffff at -12` (offsets from the network header, which follows a
    /// 14-byte Ethernet header), laid out as tc lays the 16-bit match out: the word at -16, masked
    /// to its lower half.
    public static func destinationMAC(_ mac: MACAddress) -> U32Selector {
        let b = mac.bytes.map(UInt32.init)
        return U32Selector(keys: [U32Key(value: b[0] << 8 | b[1], mask: 0x0000_FFFF, offset: -16),
                                  U32Key(value: b[2] << 24 | b[3] << 16 | b[4] << 8 | b[5], mask: 0xFFFF_FFFF, offset: -12)])
    }

    /// The destination MAC this selector matches, when it is exactly `destinationMAC(_:)`'s.
    public var destinationMAC: MACAddress? {
        guard keys.count == 2, keys[0].offset == -16, keys[0].mask == 0xFFFF, keys[1].offset == -12, keys[1].mask == 0xFFFF_FFFF else {
            return nil
        }
        let high = keys[0].value, low = keys[1].value
        return MACAddress(bytes: [UInt8(truncatingIfNeeded: high >> 8), UInt8(truncatingIfNeeded: high),
                                  UInt8(truncatingIfNeeded: low >> 24), UInt8(truncatingIfNeeded: low >> 16),
                                  UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low)])
    }

    /// Whether the selector matches every packet (one key with a zero mask).
    public var matchesAll: Bool { keys.count == 1 && keys[0].mask == 0 && keys[0].offsetMask == 0 }

    public var bytes: [UInt8] {
        var out: [UInt8] = [flags, 0, UInt8(clamping: keys.count), 0]
        out += [UInt8](repeating: 0, count: 12)  // offmask, off, offoff, hoff, hmask: no hashing
        for key in keys { out += key.bytes }
        return out
    }

    public init(parsing p: [UInt8]) throws(NetlinkWireError) {
        guard p.count >= Self.headerLength else {
            throw NetlinkWireError("u32 selector of \(p.count) bytes is shorter than struct tc_u32_sel", offset: 0)
        }
        flags = p[0]
        let count = Int(p[2])
        guard p.count >= Self.headerLength + count * U32Key.length else {
            throw NetlinkWireError("u32 selector claims \(count) keys in \(p.count) bytes", offset: 0)
        }
        keys = (0..<count).map { i in
            let o = Self.headerLength + i * U32Key.length
            return U32Key(value: p.hostUInt32(at: o + 4).bigEndian, mask: p.hostUInt32(at: o).bigEndian,
                          offset: p.hostInt32(at: o + 8), offsetMask: p.hostInt32(at: o + 12))
        }
    }
}

/// struct tc_mirred (<linux/tc_act/tc_mirred.h>): tc_gen (u32 index, u32 capab, int action,
/// int refcnt, int bindcnt), int eaction, u32 ifindex. `action mirred egress redirect dev DEV`
/// is eaction TCA_EGRESS_REDIR with the verdict TC_ACT_STOLEN.
public struct MirredParameters: Sendable, Hashable {
    public static let length = 28

    public var index: UInt32
    public var verdict: Int32
    public var direction: Int32
    public var interfaceIndex: UInt32

    public init(redirectToEgressOf interfaceIndex: Int32) {
        index = 0
        verdict = NetlinkConstants.TC_ACT_STOLEN
        direction = NetlinkConstants.TCA_EGRESS_REDIR
        self.interfaceIndex = UInt32(bitPattern: interfaceIndex)
    }

    public var isEgressRedirect: Bool { direction == NetlinkConstants.TCA_EGRESS_REDIR && verdict == NetlinkConstants.TC_ACT_STOLEN }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for word in [index, 0] { withUnsafeBytes(of: word) { out += $0 } }
        for word in [verdict, 0, 0, direction] { withUnsafeBytes(of: word) { out += $0 } }
        withUnsafeBytes(of: interfaceIndex) { out += $0 }
        return out
    }

    public init(parsing p: [UInt8]) throws(NetlinkWireError) {
        guard p.count >= Self.length else {
            throw NetlinkWireError("mirred parameters of \(p.count) bytes are shorter than struct tc_mirred", offset: 0)
        }
        index = p.hostUInt32(at: 0)
        verdict = p.hostInt32(at: 8)
        direction = p.hostInt32(at: 20)
        interfaceIndex = p.hostUInt32(at: 24)
    }
}

/// One action of a filter (an entry of TCA_U32_ACT): its kind, and mirred's parameters when it
/// is mirred. Actions of other kinds are read back by kind only.
public struct TCAction: Sendable, Hashable {
    public var kind: String
    public var mirred: MirredParameters?

    public init(kind: String, mirred: MirredParameters? = nil) {
        self.kind = kind
        self.mirred = mirred
    }

    public static func mirredEgressRedirect(to interfaceIndex: Int32) -> TCAction {
        TCAction(kind: "mirred", mirred: MirredParameters(redirectToEgressOf: interfaceIndex))
    }
}

/// A u32 filter's TCA_OPTIONS: the class it files packets into (TCA_U32_CLASSID, tc's
/// `flowid`), its actions (TCA_U32_ACT) and its selector (TCA_U32_SEL), in the order tc writes
/// them. Read back, a u32 dump also lists the hash table (`fh 800: ht divisor 1`), which has a
/// divisor and no selector.
public struct U32FilterOptions: Sendable, Hashable {
    public var classID: TCHandle?
    public var actions: [TCAction]
    public var selector: U32Selector?
    /// Read back only: TCA_U32_DIVISOR of a hash table entry.
    public var divisor: UInt32?

    public init(selector: U32Selector, classID: TCHandle? = nil, actions: [TCAction] = []) {
        self.selector = selector
        self.classID = classID
        self.actions = actions
    }

    public var attributes: [UInt8] {
        typealias C = NetlinkConstants
        var b = NetlinkAttributeBuilder()
        if let classID { b.append(C.TCA_U32_CLASSID, uint32: classID.rawValue) }
        if !actions.isEmpty {
            b.nest(C.TCA_U32_ACT) { list in
                for (order, action) in actions.enumerated() {
                    list.nest(UInt16(order + 1)) { a in
                        a.append(C.TCA_ACT_KIND, string: action.kind)
                        if let mirred = action.mirred {
                            a.nest(C.TCA_ACT_OPTIONS | C.NLA_F_NESTED) { o in o.append(C.TCA_MIRRED_PARMS, bytes: mirred.bytes) }
                        }
                    }
                }
            }
        }
        if let selector { b.append(C.TCA_U32_SEL, bytes: selector.bytes) }
        return b.bytes
    }

    public init(options: [NetlinkAttribute]) throws(NetlinkWireError) {
        typealias C = NetlinkConstants
        classID = options.first(C.TCA_U32_CLASSID)?.uint32.map(TCHandle.init(rawValue:))
        divisor = options.first(C.TCA_U32_DIVISOR)?.uint32
        selector = try options.first(C.TCA_U32_SEL).map { a throws(NetlinkWireError) in try U32Selector(parsing: a.payload) }
        actions = []
        if let list = try options.first(C.TCA_U32_ACT)?.nested() {
            for entry in list.sorted(by: { $0.type < $1.type }) {
                let a = try entry.nested()
                let kind = a.first(C.TCA_ACT_KIND)?.string ?? ""
                var mirred: MirredParameters?
                if kind == "mirred", let parms = try a.first(C.TCA_ACT_OPTIONS)?.nested().first(C.TCA_MIRRED_PARMS) {
                    mirred = try MirredParameters(parsing: parms.payload)
                }
                actions.append(TCAction(kind: kind, mirred: mirred))
            }
        }
    }
}
