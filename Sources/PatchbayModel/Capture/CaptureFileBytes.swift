/// Little-endian appends for the capture writers. Both formats are written little-endian (the
/// byte order every reader learns from the magic number), whatever the host's order.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func appendLittleEndian(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendLittleEndian(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Zeros up to the next multiple of four: pcapng pads every option value and packet.
    mutating func padTo32Bits() {
        while count % 4 != 0 { append(0) }
    }
}

/// LINKTYPE_ETHERNET (DLT_EN10MB): every port is an Ethernet device.
let linkTypeEthernet: UInt16 = 1
