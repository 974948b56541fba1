import NWFilter
import PatchbayModel
import Testing

/// What a guest's own frames say its address is, and what they never say.
@Suite struct NWFilterTrafficLearningTests {
    static let mac = MACAddress("52:54:00:12:34:56")!
    static let other = MACAddress("52:54:00:99:99:99")!

    static func ethernet(_ source: MACAddress, _ type: UInt16, _ payload: [UInt8], vlan: UInt16? = nil) -> [UInt8] {
        var frame = [UInt8](repeating: 0xFF, count: 6) + source.bytes
        if let vlan { frame += [0x81, 0x00, UInt8(vlan >> 8), UInt8(vlan & 0xFF)] }
        return frame + [UInt8(type >> 8), UInt8(type & 0xFF)] + payload
    }

    static func ipv4(source: [UInt8]) -> [UInt8] {
        [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0] + source + [10, 0, 0, 1]
    }

    static func arp(op: UInt8, sender: MACAddress = mac, senderIP: [UInt8], targetIP: [UInt8]) -> [UInt8] {
        [0, 1, 8, 0, 6, 4, 0, op] + sender.bytes + senderIP + [UInt8](repeating: 0, count: 6) + targetIP
    }

    @Test func addressesFromIPv4AndARP() {
        let learn = { (frame: [UInt8]) in NWFilterTrafficLearning.address(in: frame, from: Self.mac)?.description }
        #expect(learn(Self.ethernet(Self.mac, 0x0800, Self.ipv4(source: [10, 0, 0, 5]))) == "10.0.0.5")
        #expect(learn(Self.ethernet(Self.mac, 0x0800, Self.ipv4(source: [10, 0, 0, 6]), vlan: 42)) == "10.0.0.6")
        #expect(learn(Self.ethernet(Self.mac, 0x0806, Self.arp(op: 1, senderIP: [10, 0, 0, 7], targetIP: [10, 0, 0, 1]))) == "10.0.0.7")
        #expect(learn(Self.ethernet(Self.mac, 0x0806, Self.arp(op: 2, senderIP: [10, 0, 0, 8], targetIP: [10, 0, 0, 1]))) == "10.0.0.8")
        // An RFC 5227 probe: the address it asks about is the one it is taking.
        #expect(learn(Self.ethernet(Self.mac, 0x0806, Self.arp(op: 1, senderIP: [0, 0, 0, 0], targetIP: [10, 0, 0, 9]))) == "10.0.0.9")
    }

    @Test func neverFromOthersNorUnusableAddresses() {
        let learn = { (frame: [UInt8]) in NWFilterTrafficLearning.address(in: frame, from: Self.mac) }
        #expect(learn(Self.ethernet(Self.other, 0x0800, Self.ipv4(source: [10, 0, 0, 5]))) == nil)
        #expect(learn(Self.ethernet(Self.mac, 0x0806, Self.arp(op: 2, sender: Self.other, senderIP: [10, 0, 0, 8], targetIP: [10, 0, 0, 1]))) == nil)
        for source: [UInt8] in [[0, 0, 0, 0], [224, 0, 0, 251], [239, 1, 2, 3], [240, 0, 0, 1], [255, 255, 255, 255]] {
            #expect(learn(Self.ethernet(Self.mac, 0x0800, Self.ipv4(source: source))) == nil)
        }
        #expect(learn(Self.ethernet(Self.mac, 0x86DD, [UInt8](repeating: 0x60, count: 40))) == nil)
        #expect(learn(Self.ethernet(Self.mac, 0x0806, Self.arp(op: 3, senderIP: [10, 0, 0, 7], targetIP: [10, 0, 0, 1]))) == nil)
        // Every truncation of a good frame is refused, none read past the end.
        let good = Self.ethernet(Self.mac, 0x0806, Self.arp(op: 1, senderIP: [10, 0, 0, 7], targetIP: [10, 0, 0, 1]))
        for length in 0..<good.count { #expect(learn(Array(good.prefix(length))) == nil) }
        let ip = Self.ethernet(Self.mac, 0x0800, Self.ipv4(source: [10, 0, 0, 5]), vlan: 1)
        for length in 0..<ip.count { #expect(learn(Array(ip.prefix(length))) == nil) }
    }
}
