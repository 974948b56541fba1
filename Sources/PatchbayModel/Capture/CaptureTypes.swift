/// One port a capture reads: the device its packet socket is bound to, and what the capture
/// file says about it (pcapng's if_name and if_description), so a frame names the guest port it
/// was seen on — which a capture on the bridge cannot say.
public struct CaptureInterface: Sendable, Hashable, Codable {
    public var network: String
    public var port: NetworkUUID
    /// The host-side device (`vnetN`): pcapng's if_name.
    public var device: String
    public var interfaceIndex: Int32
    public var ownerName: String
    public var mac: MACAddress

    public init(network: String, port: NetworkUUID, device: String, interfaceIndex: Int32, ownerName: String, mac: MACAddress) {
        self.network = network
        self.port = port
        self.device = device
        self.interfaceIndex = interfaceIndex
        self.ownerName = ownerName
        self.mac = mac
    }

    /// pcapng's if_description: "owner/port UUID/MAC".
    public var description: String { "\(ownerName)/\(port)/\(mac)" }
}

/// One frame as a capture delivers it: which interface of the capture (its position in the
/// session's interface list, pcapng's interface id), when the kernel received it, its bytes (at
/// most the snap length) and how long it was on the wire.
public struct CapturedFrame: Sendable, Hashable {
    public var interface: Int
    /// Nanoseconds since the Unix epoch (the kernel's SO_TIMESTAMPNS).
    public var timestampNanoseconds: UInt64
    public var originalLength: Int
    public var bytes: [UInt8]

    public init(interface: Int, timestampNanoseconds: UInt64, originalLength: Int, bytes: [UInt8]) {
        self.interface = interface
        self.timestampNanoseconds = timestampNanoseconds
        self.originalLength = originalLength
        self.bytes = bytes
    }
}

/// One classic BPF instruction, laid out as the kernel's `struct sock_filter` and libpcap's
/// `struct bpf_insn` (which are the same): what a compiled capture filter is made of.
public struct BPFInstruction: Sendable, Hashable {
    public var code: UInt16
    public var jt: UInt8
    public var jf: UInt8
    public var k: UInt32

    public init(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32) {
        self.code = code
        self.jt = jt
        self.jf = jf
        self.k = k
    }
}

/// The file a capture writes.
public enum CaptureFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// pcapng: one interface description block per port, each frame tagged with its port.
    case pcapng
    /// Classic pcap (libpcap 2.4): one link type, no per-port interface ids.
    case pcap

    /// The media type the API answers with.
    public var mediaType: String {
        switch self {
        case .pcapng: "application/x-pcapng"
        case .pcap: "application/vnd.tcpdump.pcap"
        }
    }

    /// The file's header: pcapng's section header and one interface block per interface, or
    /// pcap's global header.
    public func header(interfaces: [CaptureInterface], snapLength: Int) -> [UInt8] {
        switch self {
        case .pcapng: PcapngWriter.header(interfaces: interfaces, snapLength: snapLength)
        case .pcap: PcapWriter.header(snapLength: snapLength)
        }
    }

    /// One frame's record: an enhanced packet block, or a pcap record.
    public func record(_ frame: CapturedFrame) -> [UInt8] {
        switch self {
        case .pcapng: PcapngWriter.enhancedPacket(frame)
        case .pcap: PcapWriter.record(frame)
        }
    }
}
