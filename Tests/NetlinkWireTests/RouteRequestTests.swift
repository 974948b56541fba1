import NetlinkWire
import PatchbayModel
import Testing

/// Expected bytes are iproute2's own, captured with `strace -f -e trace=sendmsg -e write=3 ip route ...`
/// in a scratch namespace where v0 has index 3; only the sequence number (bytes 8-11) is zeroed.
@Suite struct RouteRequestTests {
    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    /// iproute2's bytes with its sequence number zeroed.
    static func captured(_ text: String) -> [UInt8] {
        var bytes = hex(text)
        for i in 8..<12 { bytes[i] = 0 }
        return bytes
    }

    @Test func replaceIPv4DefaultMatchesIPRouteReplace() {
        // ip route replace default via 192.0.2.254 dev v0
        let expected = Self.captured("""
            2c 00 00 00 18 00 05 05 87 7b 10 6b 00 00 00 00 \
            02 00 00 00 fe 03 00 01 00 00 00 00 08 00 05 00 \
            c0 00 02 fe 08 00 04 00 03 00 00 00
            """)
        // len 44, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE; rtmsg AF_INET dst_len 0, table main,
        // proto boot, scope universe, type unicast; RTA_GATEWAY 192.0.2.254; RTA_OIF 3.
        let route = HostRoute(isIPv6: false, gateway: IPAddress("192.0.2.254"))
        #expect(RouteRequest.replace(route, interfaceIndex: 3).encoded() == expected)
    }

    /// 198.51.100.0/24 via 192.0.2.2 metric 100 proto static.
    static let staticRoute = HostRoute(isIPv6: false, destination: InterfaceAddress("198.51.100.0/24"), gateway: IPAddress("192.0.2.2"),
                                       metric: 100, protocolID: 4)

    @Test func addIPv4WithMetricMatchesIPRouteAdd() {
        // ip route add 198.51.100.0/24 via 192.0.2.2 dev v0 metric 100 proto static
        let expected = Self.captured("""
            3c 00 00 00 18 00 05 06 87 7b 10 6b 00 00 00 00 \
            02 18 00 00 fe 04 00 01 00 00 00 00 08 00 01 00 \
            c6 33 64 00 08 00 05 00 c0 00 02 02 08 00 06 00 \
            64 00 00 00 08 00 04 00 03 00 00 00
            """)
        #expect(RouteRequest.add(Self.staticRoute, interfaceIndex: 3).encoded() == expected)
    }

    @Test func deleteIPv4MatchesIPRouteDel() {
        // ip route del 198.51.100.0/24 via 192.0.2.2 dev v0 metric 100 proto static:
        // scope RT_SCOPE_NOWHERE (0xff) and type RTN_UNSPEC, flags REQUEST|ACK.
        let expected = Self.captured("""
            3c 00 00 00 19 00 05 00 87 7b 10 6b 00 00 00 00 \
            02 18 00 00 fe 04 ff 00 00 00 00 00 08 00 01 00 \
            c6 33 64 00 08 00 05 00 c0 00 02 02 08 00 06 00 \
            64 00 00 00 08 00 04 00 03 00 00 00
            """)
        #expect(RouteRequest.delete(Self.staticRoute, interfaceIndex: 3).encoded() == expected)
    }

    @Test func replaceIPv6DefaultMatchesIPRouteReplace() {
        // ip -6 route replace default via 2001:db8::fe dev v0 metric 1024: IPv6's default carries
        // RTA_DST :: (length 0), unlike IPv4's.
        let expected = Self.captured("""
            54 00 00 00 18 00 05 05 87 7b 10 6b 00 00 00 00 \
            0a 00 00 00 fe 03 00 01 00 00 00 00 14 00 01 00 \
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \
            14 00 05 00 20 01 0d b8 00 00 00 00 00 00 00 00 \
            00 00 00 fe 08 00 06 00 00 04 00 00 08 00 04 00 \
            03 00 00 00
            """)
        let route = HostRoute(isIPv6: true, gateway: IPAddress("2001:db8::fe"), metric: 1024)
        #expect(RouteRequest.replace(route, interfaceIndex: 3).encoded() == expected)
    }

    @Test func dumpOfTableMatchesIPRouteShowTableMain() {
        // ip -4 route show table main: RTM_GETROUTE, REQUEST|DUMP, AF_INET, RTA_TABLE 254.
        let expected = Self.captured("""
            24 00 00 00 1a 00 01 03 8b 7b 10 6b 00 00 00 00 \
            02 00 00 00 00 00 00 00 00 00 00 00 08 00 0f 00 \
            fe 00 00 00
            """)
        #expect(RouteRequest.dump(family: NetlinkConstants.AF_INET, table: NetlinkConstants.RT_TABLE_MAIN).encoded() == expected)
    }

    @Test func tableAbove255GoesInRTATable() {
        let route = HostRoute(isIPv6: false, destination: InterfaceAddress("10.1.0.0/16"), table: 1000, scope: 253)
        let bytes = RouteRequest.add(route, interfaceIndex: 7).encoded()
        #expect(bytes[20] == 0)  // rtm_table RT_TABLE_UNSPEC
        #expect(bytes[22] == 253)
        let attributes = try? NetlinkAttribute.parse(bytes.dropFirst(28))
        #expect(attributes?.first(NetlinkConstants.RTA_TABLE)?.uint32 == 1000)
        #expect(attributes?.first(NetlinkConstants.RTA_OIF)?.uint32 == 7)
    }

    @Test func parsesTheKernelsDumpReply() throws {
        // The kernel's answer to `ip -4 route show table main` (strace -e read=3): the default route
        // via 192.0.2.254 and the prefix route of 192.0.2.1/24, both on index 3.
        let datagram = Self.hex("""
            34 00 00 00 18 00 22 00 8b 7b 10 6b ee 1f 00 00 \
            02 00 00 00 fe 03 00 01 00 00 00 00 08 00 0f 00 \
            fe 00 00 00 08 00 05 00 c0 00 02 fe 08 00 04 00 \
            03 00 00 00 3c 00 00 00 18 00 22 00 8b 7b 10 6b \
            ee 1f 00 00 02 18 00 00 fe 02 fd 01 00 00 00 00 \
            08 00 0f 00 fe 00 00 00 08 00 01 00 c0 00 02 00 \
            08 00 07 00 c0 00 02 01 08 00 04 00 03 00 00 00
            """)
        let entries = try NetlinkMessage.parseAll(datagram).map { try RouteEntry(message: $0) }
        #expect(entries.count == 2)
        #expect(entries[0].route == HostRoute(isIPv6: false, gateway: IPAddress("192.0.2.254")))
        #expect(entries[0].outputInterfaceIndex == 3)
        #expect(entries[1].route == HostRoute(isIPv6: false, destination: InterfaceAddress("192.0.2.0/24"),
                                              preferredSource: IPAddress("192.0.2.1"), protocolID: 2, scope: 253))
        #expect(!entries[1].isMultipath)
    }

    @Test func truncatedRouteIsAnError() {
        let message = NetlinkMessage(type: NetlinkConstants.RTM_NEWROUTE, flags: 0, payload: [2, 24, 0])
        #expect(throws: NetlinkWireError.self) { try RouteEntry(message: message) }
    }

    @Test func prefixWithoutDestinationIsAnError() {
        let header = RtMessage(family: NetlinkConstants.AF_INET, destinationLength: 24, table: 254, protocolID: 3, scope: 0, type: 1)
        let message = NetlinkMessage(type: NetlinkConstants.RTM_NEWROUTE, flags: 0, payload: header.bytes)
        #expect(throws: NetlinkWireError.self) { try RouteEntry(message: message) }
    }
}
