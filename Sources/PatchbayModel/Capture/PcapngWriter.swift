/// pcapng (draft-ietf-opsawg-pcapng): a section header block, one interface description block
/// per captured port — so each frame names the port it was seen on, which classic pcap cannot —
/// and an enhanced packet block per frame, little-endian, with microsecond timestamps (the
/// format's default resolution, so no if_tsresol option is written).
public enum PcapngWriter {
    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    static let interfaceDescriptionType: UInt32 = 0x0000_0001
    static let enhancedPacketType: UInt32 = 0x0000_0006

    /// Option codes (§3.5, §4.1, §4.2).
    static let optEndOfOptions: UInt16 = 0
    static let shbUserApplication: UInt16 = 4
    static let ifName: UInt16 = 2
    static let ifDescription: UInt16 = 3

    /// The section header and the interface blocks, in the order of `interfaces` (an interface's
    /// position is its id in every packet block).
    public static func header(interfaces: [CaptureInterface], snapLength: Int) -> [UInt8] {
        var bytes = sectionHeader()
        for interface in interfaces {
            bytes += interfaceDescription(name: interface.device, description: interface.description, snapLength: snapLength)
        }
        return bytes
    }

    /// §4.1: byte-order magic, version 1.0, section length unknown (-1: the file is a stream),
    /// and shb_userappl naming the writer.
    public static func sectionHeader() -> [UInt8] {
        var body: [UInt8] = []
        body.appendLittleEndian(byteOrderMagic)
        body.appendLittleEndian(UInt16(1))
        body.appendLittleEndian(UInt16(0))
        body.appendLittleEndian(UInt64.max)
        appendOption(shbUserApplication, Array("patchbayd".utf8), to: &body)
        appendEndOfOptions(to: &body)
        return block(sectionHeaderType, body)
    }

    /// §4.2: Ethernet, the snap length, if_name and if_description.
    public static func interfaceDescription(name: String, description: String, snapLength: Int) -> [UInt8] {
        var body: [UInt8] = []
        body.appendLittleEndian(linkTypeEthernet)
        body.appendLittleEndian(UInt16(0))
        body.appendLittleEndian(UInt32(clamping: snapLength))
        appendOption(ifName, Array(name.utf8), to: &body)
        appendOption(ifDescription, Array(description.utf8), to: &body)
        appendEndOfOptions(to: &body)
        return block(interfaceDescriptionType, body)
    }

    /// §4.3: interface id, a 64-bit timestamp in microseconds split high/low, captured and
    /// original lengths, the frame padded to 32 bits, no options.
    public static func enhancedPacket(_ frame: CapturedFrame) -> [UInt8] {
        let microseconds = frame.timestampNanoseconds / 1_000
        var body: [UInt8] = []
        body.reserveCapacity(20 + frame.bytes.count + 3)
        body.appendLittleEndian(UInt32(clamping: frame.interface))
        body.appendLittleEndian(UInt32(truncatingIfNeeded: microseconds >> 32))
        body.appendLittleEndian(UInt32(truncatingIfNeeded: microseconds))
        body.appendLittleEndian(UInt32(clamping: frame.bytes.count))
        body.appendLittleEndian(UInt32(clamping: max(frame.originalLength, frame.bytes.count)))
        body += frame.bytes
        body.padTo32Bits()
        return block(enhancedPacketType, body)
    }

    /// §3.1: type, total length, body, total length again (so a reader can walk backwards).
    static func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        let total = UInt32(12 + body.count)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(total))
        bytes.appendLittleEndian(type)
        bytes.appendLittleEndian(total)
        bytes += body
        bytes.appendLittleEndian(total)
        return bytes
    }

    /// §3.5: code, length of the value (unpadded), value padded to 32 bits. A value longer than
    /// an option can hold is cut at 65,532 bytes (a description never comes near it).
    static func appendOption(_ code: UInt16, _ value: [UInt8], to body: inout [UInt8]) {
        let value = value.prefix(65_532)
        body.appendLittleEndian(code)
        body.appendLittleEndian(UInt16(value.count))
        body += value
        body.padTo32Bits()
    }

    static func appendEndOfOptions(to body: inout [UInt8]) {
        body.appendLittleEndian(optEndOfOptions)
        body.appendLittleEndian(UInt16(0))
    }
}
