import NetlinkWire
import PatchbayModel
import Testing

@Suite struct NetlinkParsingTests {
    @Test func attributesRoundTripThroughTheBuilderIncludingNesting() throws {
        var builder = NetlinkAttributeBuilder()
        builder.append(1, string: "abc")
        builder.nest(2) { nest in
            nest.append(3, uint32: 0xdeadbeef)
            nest.append(4, uint8: 7)
        }
        builder.append(5, uint16: 0x1234)
        let attributes = try NetlinkAttribute.parse(builder.bytes)
        #expect(attributes.map(\.type) == [1, 2, 5])
        #expect(attributes[0].string == "abc")
        let inner = try attributes[1].nested()
        #expect(inner.first(3)?.uint32 == 0xdeadbeef)
        #expect(inner.first(4)?.uint8 == 7)
        #expect(attributes[2].uint16 == 0x1234)
    }

    @Test func nestedFlagIsMaskedFromTheType() throws {
        let attributes = try NetlinkAttribute.parse([0x08, 0x00, 0x12, 0x80, 0x04, 0x00, 0x01, 0x00])
        #expect(attributes.first?.type == 0x12)
        #expect(attributes.first?.isNested == true)
    }

    @Test func truncatedAttributesAreRejectedWithTheirOffset() {
        let tooLong = #expect(throws: NetlinkWireError.self) { try NetlinkAttribute.parse([0x10, 0x00, 0x01, 0x00, 0xff]) }
        #expect(tooLong?.offset == 0)
        #expect(tooLong?.description.contains("claims 16 bytes") == true)
        let tooShort = #expect(throws: NetlinkWireError.self) {
            try NetlinkAttribute.parse([0x08, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x02, 0x00, 0x01, 0x00])
        }
        #expect(tooShort?.offset == 8)
    }

    @Test func messagesSplitFromOneDatagram() throws {
        let a = NetlinkMessage(type: 16, flags: 2, sequence: 9, portID: 4, payload: [1, 2, 3, 4, 5])
        let b = NetlinkMessage(type: NetlinkConstants.NLMSG_DONE, flags: 2, sequence: 9, portID: 4, payload: [0, 0, 0, 0])
        let messages = try NetlinkMessage.parseAll(a.encoded() + b.encoded())
        #expect(messages == [a, b])
    }

    @Test func messageLengthBeyondTheDatagramIsRejected() {
        var bytes = NetlinkMessage(type: 16, flags: 0, payload: [1, 2, 3, 4]).encoded()
        bytes[0] = 64
        #expect(throws: NetlinkWireError.self) { try NetlinkMessage.parseAll(bytes) }
        #expect(throws: NetlinkWireError.self) { try NetlinkMessage.parseAll([4, 0, 0, 0] + [UInt8](repeating: 0, count: 12)) }
    }

    @Test func errorMessageCarriesErrnoAndExtendedAck() throws {
        // NLMSG_ERROR for a capped request with an NLMSGERR_ATTR_MSG TLV, as the kernel sends
        // with NETLINK_CAP_ACK and NETLINK_EXT_ACK enabled.
        var payload: [UInt8] = [0xde, 0xff, 0xff, 0xff]  // error = -34 (ERANGE)
        payload += NetlinkMessage(type: 16, flags: 5, sequence: 42, payload: []).encoded()  // echoed header
        var tlv = NetlinkAttributeBuilder()
        tlv.append(NetlinkConstants.NLMSGERR_ATTR_MSG, string: "forward delay out of range")
        payload += tlv.bytes
        let message = NetlinkMessage(type: NetlinkConstants.NLMSG_ERROR,
                                     flags: NetlinkConstants.NLM_F_CAPPED | NetlinkConstants.NLM_F_ACK_TLVS,
                                     sequence: 42, payload: payload)
        let error = try NetlinkErrorMessage(message)
        #expect(error.errno == 34)
        #expect(error.requestSequence == 42)
        #expect(error.extendedMessage == "forward delay out of range")
    }

    @Test func plainAckHasErrnoZero() throws {
        let payload: [UInt8] = [0, 0, 0, 0] + NetlinkMessage(type: 16, flags: 5, sequence: 1, payload: []).encoded()
        let ack = try NetlinkErrorMessage(NetlinkMessage(type: NetlinkConstants.NLMSG_ERROR, flags: NetlinkConstants.NLM_F_CAPPED,
                                                         sequence: 1, payload: payload))
        #expect(ack.errno == 0)
        #expect(ack.extendedMessage == nil)
        #expect(throws: NetlinkWireError.self) {
            try NetlinkErrorMessage(NetlinkMessage(type: NetlinkConstants.NLMSG_ERROR, flags: 0, payload: [0, 0]))
        }
    }

    @Test func linkMessageDecodes() throws {
        var attributes = NetlinkAttributeBuilder()
        attributes.append(NetlinkConstants.IFLA_IFNAME, string: "virbr0")
        attributes.append(NetlinkConstants.IFLA_MTU, uint32: 1500)
        attributes.append(NetlinkConstants.IFLA_ADDRESS, bytes: [0x52, 0x54, 0, 1, 2, 3])
        attributes.append(NetlinkConstants.IFLA_MASTER, uint32: 4)
        attributes.nest(NetlinkConstants.IFLA_LINKINFO) { info in
            info.append(NetlinkConstants.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(NetlinkConstants.IFLA_INFO_DATA) { data in
                data.append(NetlinkConstants.IFLA_BR_FORWARD_DELAY, uint32: 200)
                data.append(NetlinkConstants.IFLA_BR_STP_STATE, uint32: 1)
                data.append(NetlinkConstants.IFLA_BR_VLAN_FILTERING, uint8: 0)
            }
        }
        let header = IfInfoMessage(deviceType: NetlinkConstants.ARPHRD_ETHER, index: 3,
                                   flags: NetlinkConstants.IFF_UP | NetlinkConstants.IFF_BROADCAST)
        let link = try Link(message: NetlinkMessage(type: NetlinkConstants.RTM_NEWLINK, flags: 0, payload: header.bytes + attributes.bytes))
        #expect(link.index == 3)
        #expect(link.name == "virbr0")
        #expect(link.kind == "bridge")
        #expect(link.mtu == 1500)
        #expect(link.mac == MACAddress("52:54:00:01:02:03"))
        #expect(link.masterIndex == 4)
        #expect(link.isUp)
        #expect(link.bridge == BridgeAttributes(forwardDelay: 200, stpState: 1, vlanFiltering: false))
        #expect(link.bridgePort == nil)
    }

    @Test func bridgePortStateAndCarrierDecode() throws {
        // A veth enslaved to a bridge, as `ip -d link show` reports it: the port attributes sit in
        // IFLA_INFO_SLAVE_DATA (nested flag set, as the kernel sends it).
        var attributes = NetlinkAttributeBuilder()
        attributes.append(NetlinkConstants.IFLA_IFNAME, string: "vnet3")
        attributes.append(NetlinkConstants.IFLA_CARRIER, uint8: 1)
        attributes.nest(NetlinkConstants.IFLA_LINKINFO) { info in
            info.append(NetlinkConstants.IFLA_INFO_KIND, unterminatedString: "veth")
            info.append(NetlinkConstants.IFLA_INFO_SLAVE_KIND, unterminatedString: "bridge")
            info.nest(NetlinkConstants.IFLA_INFO_SLAVE_DATA | NetlinkConstants.NLA_F_NESTED) { data in
                data.append(NetlinkConstants.IFLA_BRPORT_STATE, uint8: 0)
                data.append(2, uint16: 32)  // IFLA_BRPORT_PRIORITY
                data.append(NetlinkConstants.IFLA_BRPORT_LEARNING, uint8: 1)
            }
        }
        let link = try Link(message: NetlinkMessage(type: NetlinkConstants.RTM_NEWLINK, flags: 0,
                                                    payload: IfInfoMessage(index: 9).bytes + attributes.bytes))
        #expect(link.slaveKind == "bridge")
        #expect(link.carrier == true)
        #expect(link.bridgePort == BridgePortAttributes(state: 0, learning: true, priority: 32))
    }

    @Test func addressMessageDecodesBothFamilies() throws {
        var v4 = NetlinkAttributeBuilder()
        v4.append(NetlinkConstants.IFA_ADDRESS, bytes: [10, 0, 0, 1])
        v4.append(NetlinkConstants.IFA_LOCAL, bytes: [10, 0, 0, 1])
        v4.append(NetlinkConstants.IFA_BROADCAST, bytes: [10, 0, 0, 255])
        v4.append(NetlinkConstants.IFA_LABEL, string: "br0")
        let entry = try AddressEntry(message: NetlinkMessage(
            type: NetlinkConstants.RTM_NEWADDR, flags: 0,
            payload: IfAddrMessage(family: NetlinkConstants.AF_INET, prefixLength: 24, index: 6).bytes + v4.bytes))
        #expect(entry.address == InterfaceAddress("10.0.0.1/24"))
        #expect(entry.broadcast == IPv4Address("10.0.0.255"))
        #expect(entry.label == "br0")
        #expect(entry.interfaceIndex == 6)

        var v6 = NetlinkAttributeBuilder()
        v6.append(NetlinkConstants.IFA_ADDRESS, bytes: IPv6Address("fe80::1")!.bytes)
        let link = try AddressEntry(message: NetlinkMessage(
            type: NetlinkConstants.RTM_NEWADDR, flags: 0,
            payload: IfAddrMessage(family: NetlinkConstants.AF_INET6, prefixLength: 64, scope: NetlinkConstants.RT_SCOPE_LINK, index: 6).bytes + v6.bytes))
        #expect(link.address == InterfaceAddress("fe80::1/64"))
        #expect(link.scope == NetlinkConstants.RT_SCOPE_LINK)

        #expect(throws: NetlinkWireError.self) {
            try AddressEntry(message: NetlinkMessage(type: NetlinkConstants.RTM_NEWADDR, flags: 0,
                                                     payload: IfAddrMessage(family: 2, prefixLength: 24, index: 1).bytes))
        }
    }
}
