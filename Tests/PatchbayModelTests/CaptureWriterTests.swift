import PatchbayModel
import Testing

/// pcapng and pcap byte for byte (draft-ietf-opsawg-pcapng §3-4; libpcap's savefile format),
/// and the capture query's limits.
@Suite struct CaptureWriterTests {
    static let frame = CapturedFrame(interface: 1, timestampNanoseconds: 1_700_000_000_123_456_789, originalLength: 60,
                                     bytes: [0xDE, 0xAD, 0xBE, 0xEF, 0x01])

    @Test func sectionHeaderBlock() {
        #expect(PcapngWriter.sectionHeader() == [
            0x0A, 0x0D, 0x0D, 0x0A,  // block type: section header
            0x30, 0x00, 0x00, 0x00,  // total length 48
            0x4D, 0x3C, 0x2B, 0x1A,  // byte-order magic, little-endian
            0x01, 0x00, 0x00, 0x00,  // version 1.0
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // section length unknown
            0x04, 0x00, 0x09, 0x00,  // shb_userappl, 9 bytes
            0x70, 0x61, 0x74, 0x63, 0x68, 0x62, 0x61, 0x79, 0x64, 0x00, 0x00, 0x00,  // "patchbayd" + 3 pad
            0x00, 0x00, 0x00, 0x00,  // opt_endofopt
            0x30, 0x00, 0x00, 0x00,  // total length again
        ])
    }

    @Test func interfaceDescriptionBlock() {
        #expect(PcapngWriter.interfaceDescription(name: "vnet0", description: "vm1/x", snapLength: 65_535) == [
            0x01, 0x00, 0x00, 0x00,  // block type: interface description
            0x30, 0x00, 0x00, 0x00,  // total length 48
            0x01, 0x00, 0x00, 0x00,  // LINKTYPE_ETHERNET, reserved
            0xFF, 0xFF, 0x00, 0x00,  // snap length 65535
            0x02, 0x00, 0x05, 0x00, 0x76, 0x6E, 0x65, 0x74, 0x30, 0x00, 0x00, 0x00,  // if_name "vnet0" + 3 pad
            0x03, 0x00, 0x05, 0x00, 0x76, 0x6D, 0x31, 0x2F, 0x78, 0x00, 0x00, 0x00,  // if_description "vm1/x" + 3 pad
            0x00, 0x00, 0x00, 0x00,  // opt_endofopt
            0x30, 0x00, 0x00, 0x00,
        ])
    }

    @Test func theHeaderHasOneInterfaceBlockPerPortInOrder() throws {
        let uuid = try #require(NetworkUUID("3e3fce45-4f53-4fa7-bb32-11f34168b82b"))
        let mac = try #require(MACAddress("52:54:00:00:00:01"))
        let ports = [
            CaptureInterface(network: "lab", port: uuid, device: "vnet0", interfaceIndex: 7, ownerName: "vm1", mac: mac),
            CaptureInterface(network: "lab", port: uuid, device: "vnet1", interfaceIndex: 8, ownerName: "vm2", mac: mac),
        ]
        #expect(ports[0].description == "vm1/3e3fce45-4f53-4fa7-bb32-11f34168b82b/52:54:00:00:00:01")
        let header = PcapngWriter.header(interfaces: ports, snapLength: 100)
        let expected = PcapngWriter.sectionHeader()
            + PcapngWriter.interfaceDescription(name: "vnet0", description: ports[0].description, snapLength: 100)
            + PcapngWriter.interfaceDescription(name: "vnet1", description: ports[1].description, snapLength: 100)
        #expect(header == expected)
        #expect(CaptureFormat.pcapng.header(interfaces: ports, snapLength: 100) == expected)
        // 58 bytes of description: padded to 60, length field 58.
        let block = PcapngWriter.interfaceDescription(name: "vnet0", description: ports[0].description, snapLength: 100)
        #expect(block.count == 100 && block[28...31] == [0x03, 0x00, 58, 0x00])
    }

    @Test func enhancedPacketBlock() {
        #expect(PcapngWriter.enhancedPacket(Self.frame) == [
            0x06, 0x00, 0x00, 0x00,  // block type: enhanced packet
            0x28, 0x00, 0x00, 0x00,  // total length 40
            0x01, 0x00, 0x00, 0x00,  // interface id 1
            0x24, 0x0A, 0x06, 0x00,  // timestamp (µs) high 0x00060a24
            0x40, 0x22, 0x20, 0x18,  // timestamp (µs) low 0x18202240
            0x05, 0x00, 0x00, 0x00,  // captured length 5
            0x3C, 0x00, 0x00, 0x00,  // original length 60
            0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x00, 0x00, 0x00,  // frame + 3 pad
            0x28, 0x00, 0x00, 0x00,
        ])
        // A frame that is already a multiple of four gets no padding.
        let even = CapturedFrame(interface: 0, timestampNanoseconds: 0, originalLength: 4, bytes: [1, 2, 3, 4])
        #expect(PcapngWriter.enhancedPacket(even).count == 36)
    }

    @Test func classicPcap() {
        #expect(PcapWriter.header(snapLength: 262_144) == [
            0xD4, 0xC3, 0xB2, 0xA1,  // magic (microseconds), little-endian
            0x02, 0x00, 0x04, 0x00,  // version 2.4
            0x00, 0x00, 0x00, 0x00,  // GMT offset
            0x00, 0x00, 0x00, 0x00,  // accuracy
            0x00, 0x00, 0x04, 0x00,  // snap length 262144
            0x01, 0x00, 0x00, 0x00,  // LINKTYPE_ETHERNET
        ])
        #expect(PcapWriter.record(Self.frame) == [
            0x00, 0xF1, 0x53, 0x65,  // seconds 1700000000
            0x40, 0xE2, 0x01, 0x00,  // microseconds 123456
            0x05, 0x00, 0x00, 0x00,  // captured length
            0x3C, 0x00, 0x00, 0x00,  // original length
            0xDE, 0xAD, 0xBE, 0xEF, 0x01,  // no padding
        ])
        #expect(CaptureFormat.pcap.record(Self.frame) == PcapWriter.record(Self.frame))
    }

    @Test func theQueryIsReadAndWrittenAlike() throws {
        let request = CaptureRequest(target: "lab:vnet0", filter: "host 10.0.0.1 and ip[2:2] + 1 > 10 & x=y", count: 5,
                                     durationSeconds: 10, snapLength: 96, format: .pcap)
        let query = request.queryString
        #expect(query == "target=lab%3Avnet0&filter=host%2010.0.0.1%20and%20ip%5B2%3A2%5D%20%2B%201%20%3E%2010%20%26%20x%3Dy&count=5&duration=10&snaplen=96&format=pcap")
        let pairs = query.split(separator: "&").map { part -> (String, String) in
            let kv = part.split(separator: "=", maxSplits: 1)
            return (String(kv[0]), String(kv[1]))
        }
        #expect(try CaptureRequest.parse(query: pairs) == request)
        // Python's urlencode writes spaces as '+'.
        #expect(try CaptureRequest.parse(query: [("target", "lab"), ("filter", "port+80")]).filter == "port 80")
        #expect(CaptureRequest(target: "lab").queryString == "target=lab")
    }

    @Test(arguments: [
        ([("filter", "x")], "the query parameter 'target' (NET, NET:PORT or OWNER) is required"),
        ([("target", "lab"), ("count", "0")], "the capture count must be a whole number from 1 to 100000000, not '0'"),
        ([("target", "lab"), ("count", "-1")], "the capture count must be a whole number from 1 to 100000000, not '-1'"),
        ([("target", "lab"), ("duration", "1.5")], "the capture duration must be a whole number from 1 to 86400, not '1.5'"),
        ([("target", "lab"), ("snaplen", "262145")], "the capture snaplen must be a whole number from 1 to 262144, not '262145'"),
        ([("target", "lab"), ("format", "cap")], "the capture format must be pcapng or pcap, not 'cap'"),
        ([("target", "lab"), ("target", "x")], "the query parameter 'target' is given more than once"),
        ([("target", "lab"), ("cuont", "5")], "unknown capture parameter 'cuont' (known: count, duration, filter, format, snaplen, target)"),
    ])
    func badQueriesAreRefusedByName(query: [(String, String)], message: String) {
        #expect(throws: PatchbayError(.invalidArgument, message)) { try CaptureRequest.parse(query: query) }
    }
}
