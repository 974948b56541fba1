/// The frame the loop guard sends out of each port of a guarded bridge, directly (not through the
/// bridge). A guest whose bridge joins two of its interfaces, or two networks, forwards it back
/// into a bridge, and that is how Patchbay finds the loop.
///
/// Layout (60 bytes, Ethernet's minimum): destination ff:ff:ff:ff:ff:ff, so any bridge in a guest
/// floods it; source 56:50 followed by the egress port's interface index, a locally administered
/// unicast address of its own per port, so the bridge's forwarding database says on which port
/// each port's probe came back; ethertype 0x88B5 (IEEE Std 802 Local Experimental Ethertype 1);
/// then "PATCHBAY", version 1, the bridge's and the egress port's interface indices and a token
/// (all big-endian), zero padding. The token is a keyed hash of bridge and port under a secret the
/// daemon draws at start, so a guest, which only ever sees its own ports' probes, cannot forge one
/// that claims to have left through another guest's port (and get that port disabled), and
/// another host's probes never count here.
public struct LoopProbe: Sendable, Hashable {
    public static let ethertype: UInt16 = 0x88B5
    public static let frameLength = 60
    static let magic = Array("PATCHBAY".utf8)
    static let version: UInt8 = 1
    static let sourcePrefix: [UInt8] = [0x56, 0x50]

    public var bridgeIndex: Int32
    public var egressIndex: Int32
    public var token: UInt64

    public init(bridgeIndex: Int32, egressIndex: Int32, token: UInt64) {
        self.bridgeIndex = bridgeIndex
        self.egressIndex = egressIndex
        self.token = token
    }

    /// The probe in `frame`, or nil when it is not one of this daemon's: `token(bridge, egress)`
    /// gives the token a genuine probe for that bridge and port carries.
    public init?(frame: [UInt8], token: (_ bridgeIndex: Int32, _ egressIndex: Int32) -> UInt64) {
        guard frame.count >= 14 + 25, frame[0..<6].allSatisfy({ $0 == 0xFF }),
              Array(frame[12..<14]) == [UInt8(Self.ethertype >> 8), UInt8(Self.ethertype & 0xFF)],
              Array(frame[14..<22]) == Self.magic, frame[22] == Self.version else { return nil }
        let bridge = Int32(bitPattern: Self.readUInt32(frame, at: 23))
        let egress = Int32(bitPattern: Self.readUInt32(frame, at: 27))
        let received = UInt64(Self.readUInt32(frame, at: 31)) << 32 | UInt64(Self.readUInt32(frame, at: 35))
        guard received == token(bridge, egress), Array(frame[6..<12]) == Self.sourceMAC(egressIndex: egress).bytes else {
            return nil
        }
        self.init(bridgeIndex: bridge, egressIndex: egress, token: received)
    }

    /// The source address of the probes sent out of `egressIndex`.
    public static func sourceMAC(egressIndex: Int32) -> MACAddress {
        let index = UInt32(bitPattern: egressIndex)
        return MACAddress(bytes: sourcePrefix + [UInt8(index >> 24), UInt8(index >> 16 & 0xFF), UInt8(index >> 8 & 0xFF),
                                                 UInt8(index & 0xFF)])!
    }

    public var sourceMAC: MACAddress { Self.sourceMAC(egressIndex: egressIndex) }

    public var frame: [UInt8] {
        var out = [UInt8](repeating: 0xFF, count: 6) + sourceMAC.bytes
        out += [UInt8(Self.ethertype >> 8), UInt8(Self.ethertype & 0xFF)]
        out += Self.magic + [Self.version]
        Self.append(UInt32(bitPattern: bridgeIndex), to: &out)
        Self.append(UInt32(bitPattern: egressIndex), to: &out)
        Self.append(UInt32(truncatingIfNeeded: token >> 32), to: &out)
        Self.append(UInt32(truncatingIfNeeded: token), to: &out)
        out += [UInt8](repeating: 0, count: Self.frameLength - out.count)
        return out
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
