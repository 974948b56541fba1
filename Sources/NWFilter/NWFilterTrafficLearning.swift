import PatchbayModel

/// The address a guest uses, read from a frame it sent: libvirt's learnIPAddressThread for
/// CTRL_IP_LEARNING=any (nwfilter_learnipaddr.c). The source of an IPv4 packet, the sender of
/// an ARP request or reply — or, for an ARP probe (RFC 5227: sender 0.0.0.0), the address
/// it probes for, which is the one it is about to take. Never 0.0.0.0, a multicast or class
/// E address, or a frame another MAC sent.
public enum NWFilterTrafficLearning {
    public static func address(in frame: [UInt8], from mac: MACAddress) -> IPv4Address? {
        guard frame.count >= 14, Array(frame[6..<12]) == mac.bytes else { return nil }
        var offset = 12
        var ethertype = UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1])
        if ethertype == 0x8100 {
            // One VLAN tag, as a trunk port's guest sends.
            guard frame.count >= 18 else { return nil }
            offset += 4
            ethertype = UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1])
        }
        let payload = offset + 2
        switch ethertype {
        case 0x0800:
            guard frame.count >= payload + 20, frame[payload] >> 4 == 4, frame[payload] & 0x0F >= 5 else { return nil }
            return usable(IPv4Address(bytes: frame[(payload + 12)..<(payload + 16)]))
        case 0x0806:
            // htype Ethernet, ptype IPv4, hlen 6, plen 4, then op, sha, spa, tha, tpa.
            guard frame.count >= payload + 28, frame[payload] == 0, frame[payload + 1] == 1, frame[payload + 2] == 0x08,
                  frame[payload + 3] == 0, frame[payload + 4] == 6, frame[payload + 5] == 4,
                  Array(frame[(payload + 8)..<(payload + 14)]) == mac.bytes else { return nil }
            let op = UInt16(frame[payload + 6]) << 8 | UInt16(frame[payload + 7])
            let sender = IPv4Address(bytes: frame[(payload + 14)..<(payload + 18)])
            let target = IPv4Address(bytes: frame[(payload + 24)..<(payload + 28)])
            switch op {
            case 1: return sender?.value == 0 ? usable(target) : usable(sender)
            case 2: return usable(sender)
            default: return nil
            }
        default:
            return nil
        }
    }

    static func usable(_ address: IPv4Address?) -> IPv4Address? {
        guard let address, address.value != 0, address.value >> 28 < 0xE else { return nil }
        return address
    }
}
