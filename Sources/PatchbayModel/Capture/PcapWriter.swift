/// Classic pcap (libpcap's format 2.4, microsecond timestamps), for readers that know no
/// pcapng: one link type and no per-port interface ids, so a frame does not say which port it
/// was seen on.
public enum PcapWriter {
    static let magicMicroseconds: UInt32 = 0xA1B2_C3D4

    /// The global header: magic, version 2.4, GMT offset 0, accuracy 0, snap length, Ethernet.
    public static func header(snapLength: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(magicMicroseconds)
        bytes.appendLittleEndian(UInt16(2))
        bytes.appendLittleEndian(UInt16(4))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt32(clamping: snapLength))
        bytes.appendLittleEndian(UInt32(linkTypeEthernet))
        return bytes
    }

    /// One record: seconds, microseconds, captured length, original length, the bytes (no
    /// padding in this format).
    public static func record(_ frame: CapturedFrame) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 + frame.bytes.count)
        bytes.appendLittleEndian(UInt32(truncatingIfNeeded: frame.timestampNanoseconds / 1_000_000_000))
        bytes.appendLittleEndian(UInt32(truncatingIfNeeded: (frame.timestampNanoseconds % 1_000_000_000) / 1_000))
        bytes.appendLittleEndian(UInt32(clamping: frame.bytes.count))
        bytes.appendLittleEndian(UInt32(clamping: max(frame.originalLength, frame.bytes.count)))
        bytes += frame.bytes
        return bytes
    }
}
