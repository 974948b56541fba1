/// struct tcmsg (<linux/rtnetlink.h>), the fixed header of every RTM_*QDISC, RTM_*TCLASS and
/// RTM_*TFILTER message: u8 family, u8 pad1, u16 pad2, s32 ifindex, u32 handle, u32 parent,
/// u32 info. For filters `info` carries the priority in its high 16 bits and the protocol, in
/// network byte order, in its low 16 bits (TC_H_MAKE(prio << 16, htons(proto)), as tc writes it).
public struct TcMessage: Sendable, Hashable {
    public static let length = 20

    public var family: UInt8
    public var interfaceIndex: Int32
    public var handle: UInt32
    public var parent: UInt32
    public var info: UInt32

    public init(family: UInt8 = NetlinkConstants.AF_UNSPEC, interfaceIndex: Int32, handle: UInt32 = 0, parent: UInt32 = 0,
                info: UInt32 = 0) {
        self.family = family
        self.interfaceIndex = interfaceIndex
        self.handle = handle
        self.parent = parent
        self.info = info
    }

    /// `info` of a filter: priority (`prio`/`pref`) and protocol (host order here; written in
    /// network order, as `tc filter ... protocol all` sends htons(ETH_P_ALL)).
    public static func filterInfo(priority: UInt16, protocol proto: UInt16) -> UInt32 {
        UInt32(priority) << 16 | UInt32(proto.byteSwapped)
    }

    /// The filter priority in `info`.
    public var filterPriority: UInt16 { UInt16(truncatingIfNeeded: info >> 16) }

    /// The filter protocol in `info`, in host order (ETH_P_ALL is 3).
    public var filterProtocol: UInt16 { UInt16(truncatingIfNeeded: info).byteSwapped }

    public var bytes: [UInt8] {
        var out: [UInt8] = [family, 0, 0, 0]
        withUnsafeBytes(of: interfaceIndex) { out += $0 }
        withUnsafeBytes(of: handle) { out += $0 }
        withUnsafeBytes(of: parent) { out += $0 }
        withUnsafeBytes(of: info) { out += $0 }
        return out
    }

    public init(parsing payload: [UInt8]) throws(NetlinkWireError) {
        guard payload.count >= Self.length else {
            throw NetlinkWireError("traffic-control message payload of \(payload.count) bytes is shorter than struct tcmsg",
                                   offset: NetlinkMessage.headerLength)
        }
        family = payload[0]
        interfaceIndex = payload.hostInt32(at: 4)
        handle = payload.hostUInt32(at: 8)
        parent = payload.hostUInt32(at: 12)
        info = payload.hostUInt32(at: 16)
    }
}

/// A tc handle, major:minor (`1:`, `1:2`, `ffff:`), as tc prints and parses it: both halves in
/// hexadecimal, the minor left out when it is 0.
public struct TCHandle: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(major: UInt16, minor: UInt16) { rawValue = UInt32(major) << 16 | UInt32(minor) }

    public var major: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    public var minor: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// TC_H_ROOT: the parent of a device's root qdisc.
    public static let root = TCHandle(rawValue: NetlinkConstants.TC_H_ROOT)
    /// TC_H_INGRESS: the parent of the ingress (or clsact) qdisc.
    public static let ingressParent = TCHandle(rawValue: NetlinkConstants.TC_H_INGRESS)
    /// `ffff:`, the ingress qdisc's own handle, and the parent of its filters.
    public static let ingress = TCHandle(major: 0xFFFF, minor: 0)
    public static let unspecified = TCHandle(rawValue: 0)

    public var description: String {
        switch rawValue {
        case NetlinkConstants.TC_H_ROOT: return "root"
        case NetlinkConstants.TC_H_INGRESS: return "ingress"
        case 0: return "none"
        default: return minor == 0 ? "\(String(major, radix: 16)):" : "\(String(major, radix: 16)):\(String(minor, radix: 16))"
        }
    }

    public static func < (a: TCHandle, b: TCHandle) -> Bool { a.rawValue < b.rawValue }
}
