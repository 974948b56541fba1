/// Builds a message, compressing names (RFC 1035 §4.1.4): every name written remembers where
/// each of its suffixes starts, and a later name that ends in the same suffix points there.
///
/// Suffixes match byte for byte, not case-insensitively, so every name reads back with the case
/// it was given (RFC 4343 §4.1), the question's 0x20-randomised case included.
struct DNSWriter {
    /// A pointer holds 14 bits of offset.
    static let maximumPointerTarget = 0x3FFF

    private(set) var bytes: [UInt8] = []
    private var suffixOffsets: [ArraySlice<[UInt8]>: Int] = [:]
    /// False for bytes that will be moved after writing (the OPT record set aside during
    /// truncation), where an offset would point at the wrong place.
    private let allowsCompression: Bool

    init(allowsCompression: Bool = true) { self.allowsCompression = allowsCompression }

    var count: Int { bytes.count }

    mutating func uint8(_ value: UInt8) { bytes.append(value) }

    mutating func uint16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xFF)] }

    mutating func uint32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    mutating func append(_ data: some Sequence<UInt8>) { bytes += data }

    mutating func patchUInt16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    /// Writes `name`, ending in a pointer to an earlier copy of its longest known suffix when
    /// `compress` allows. Names written uncompressed (RFC 2782 forbids compressing an SRV
    /// target) still become targets for later names.
    mutating func name(_ name: DNSName, compress: Bool) {
        let labels = name.labels
        for index in labels.indices {
            let suffix = labels[index...]
            if compress, allowsCompression, let target = suffixOffsets[suffix] {
                uint16(0xC000 | UInt16(target))
                return
            }
            if allowsCompression, bytes.count <= Self.maximumPointerTarget, suffixOffsets[suffix] == nil {
                suffixOffsets[suffix] = bytes.count
            }
            uint8(UInt8(labels[index].count))
            append(labels[index])
        }
        uint8(0)
    }
}
