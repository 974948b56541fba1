import DHCPWire
import Foundation
import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayIO
import PatchbayModel

/// The doctor's eyes on the kernel: reads on a thread of its own with a netlink session of its
/// own, and two active probes (a DISCOVER through a temporary veth port, an ARP sweep from the
/// bridge), each bounded in time so a doctor run never holds anything up for long.
public final class KernelDoctorProbe: DoctorProbing {
    private let thread = IOThread(name: "patchbay-doctor")
    private let session: NetlinkSession
    private let resolvConfPath: String
    private let coexistence: Bool

    public init(resolvConfPath: String, coexistence: Bool) throws(NetlinkError) {
        session = try NetlinkSession()
        self.resolvConfPath = resolvConfPath
        self.coexistence = coexistence
    }

    public func host(own: Set<String>) async -> DoctorFacts {
        let session = self.session, path = resolvConfPath, coexistence = self.coexistence
        return await thread.run { () -> DoctorFacts in
            var facts = DoctorFacts()
            facts.firewallCoexistence = coexistence
            facts.ipv4Forwarding = Self.sysctl("/proc/sys/net/ipv4/ip_forward").map { $0 == "1" }
            facts.bridgeNFCallIptables = Self.sysctl("/proc/sys/net/bridge/bridge-nf-call-iptables").map { $0 == "1" }
            if let routes = try? session.routes(ofInterfaceIndex: nil),
               let route = routes.first(where: { !$0.route.isIPv6 && $0.route.destination == nil && $0.route.table == 254 }),
               let index = route.outputInterfaceIndex {
                facts.defaultRouteDevice = (try? session.links())?.first { $0.index == Int32(bitPattern: index) }?.name ?? "index \(index)"
            }
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard words.count >= 2, words[0] == "nameserver" else { continue }
                let address = String(words[1])
                facts.dnsUpstreams.append(DoctorFacts.DNSUpstream(address: address, failure: Self.query(address), isOwn: own.contains(address)))
            }
            return facts
        }
    }

    public func links() async -> [String: DoctorLinkState] {
        let session = self.session
        return await thread.run { () -> [String: DoctorLinkState] in
            guard let links = try? session.links() else { return [:] }
            var out: [String: DoctorLinkState] = [:]
            for link in links {
                let state = link.bridgePort?.state.map { ["disabled", "listening", "learning", "forwarding", "blocking"][safe: Int($0)] ?? "state \($0)" }
                out[link.name] = DoctorLinkState(index: link.index, carrier: link.carrier ?? (link.flags & NetlinkConstants.IFF_LOWER_UP != 0),
                                                 up: link.isUp, mtu: link.mtu.map(Int.init), bridgeState: link.masterIndex == nil ? nil : state)
            }
            return out
        }
    }

    public func probeDHCP(bridge: String) async -> (answered: Bool?, detail: String) {
        let session = self.session
        return await thread.run { () -> (answered: Bool?, detail: String) in
            let tag = String(UInt16.random(in: 0...UInt16.max), radix: 16)
            let port = "pbdoc\(tag)", peer = "pbdoc\(tag)p"
            let mac = MACAddress.randomLibvirt()
            do {
                try session.createVeth(name: port, peerName: peer, peerMAC: mac)
            } catch {
                return (nil, "cannot make a temporary port: \(error)")
            }
            defer { try? session.deleteLink(named: port) }
            do {
                try session.setMaster(named: port, master: bridge)
                try session.setLinkUp(named: port)
                try session.setLinkUp(named: peer)
                guard let index = try session.interfaceIndex(of: peer) else { return (nil, "the temporary port vanished") }
                let socket = try PacketSocket(ethertype: DHCPFrame.ethertypeIPv4, receiveTimeoutMilliseconds: 100)
                try socket.bind(interfaceIndex: index, ethertype: DHCPFrame.ethertypeIPv4)
                let xid = UInt32.random(in: 1...UInt32.max)
                var discover = DHCPMessage(op: DHCPMessage.bootRequest, xid: xid)
                discover.chaddr = mac.bytes + [UInt8](repeating: 0, count: 10)
                discover.flags = DHCPMessage.broadcastFlag
                discover.options.messageType = .discover
                let frame = DHCPFrame(ethernetDestination: MACAddress(bytes: [UInt8](repeating: 0xFF, count: 6))!, ethernetSource: mac, ipSource: IPv4Address(0),
                                      ipDestination: IPv4Address(255, 255, 255, 255), sourcePort: 68, destinationPort: 67,
                                      payload: discover.encoded()).encoded()
                let deadline = Date().addingTimeInterval(4)
                var nextSend = Date()
                while Date() < deadline {
                    // Resent: the first may reach the server before its port map has the new port.
                    if Date() >= nextSend {
                        try socket.send(frame, interfaceIndex: index)
                        nextSend = Date().addingTimeInterval(0.5)
                    }
                    guard let (_, bytes) = try socket.receive(), let reply = try? DHCPFrame.parse(bytes), reply.destinationPort == 68,
                          let message = try? DHCPMessage.parse(reply.payload), message.xid == xid, message.options.messageType == .offer else { continue }
                    let serverID = message.options.address(DHCPOptionCode.serverIdentifier)
                    if let serverID {
                        // Given back at once: the probe must not hold an address of the pool.
                        var release = DHCPMessage(op: DHCPMessage.bootRequest, xid: UInt32.random(in: 1...UInt32.max))
                        release.chaddr = discover.chaddr
                        release.ciaddr = message.yiaddr
                        release.options.messageType = .release
                        release.options.setAddress(DHCPOptionCode.serverIdentifier, serverID)
                        let back = DHCPFrame(ethernetDestination: reply.ethernetSource, ethernetSource: mac, ipSource: message.yiaddr,
                                             ipDestination: serverID, sourcePort: 68, destinationPort: 67, payload: release.encoded())
                        try? socket.send(back.encoded(), interfaceIndex: index)
                    }
                    return (true, "OFFER of \(message.yiaddr)" + (serverID.map { " from \($0)" } ?? ""))
                }
                return (false, "nothing within 4 s")
            } catch {
                return (nil, "the probe failed: \(error)")
            }
        }
    }

    public func duplicates(bridge: String, source: IPv4Address, candidates: [IPv4Address]) async -> [DoctorFacts.Duplicate] {
        let session = self.session
        return await thread.run { () -> [DoctorFacts.Duplicate] in
            guard !candidates.isEmpty, let link = try? session.link(named: bridge), let mac = link.mac,
                  let socket = try? PacketSocket(ethertype: 0x0806, receiveTimeoutMilliseconds: 100),
                  (try? socket.bind(interfaceIndex: link.index, ethertype: 0x0806)) != nil else { return [] }
            let wanted = Set(candidates)
            for target in candidates { try? socket.send(ARPFrame.request(from: mac, source: source, target: target), interfaceIndex: link.index) }
            var answers: [IPv4Address: Set<MACAddress>] = [:]
            let deadline = Date().addingTimeInterval(0.8)
            while Date() < deadline {
                guard let (_, bytes) = (try? socket.receive()) ?? nil, let reply = ARPFrame.reply(bytes), wanted.contains(reply.sender) else { continue }
                answers[reply.sender, default: []].insert(reply.mac)
            }
            return answers.filter { $0.value.count > 1 }.sorted { $0.key.value < $1.key.value }
                .map { DoctorFacts.Duplicate(ip: $0.key.description, macs: $0.value.map(\.description).sorted()) }
        }
    }

    static func sysctl(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One query for the root's NS records: nil when an answer came, else why not.
    static func query(_ address: String) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, "53", &hints, &result) == 0, let info = result else { return "not an address" }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, 0)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 500_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { return String(cString: strerror(errno)) }
        let id = UInt16.random(in: 0...UInt16.max)
        // Header (id, RD, one question), the root name, type NS, class IN.
        let query: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]
        guard send(fd, query, query.count, 0) == query.count else { return String(cString: strerror(errno)) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { return errno == EAGAIN ? "no answer within 1.5 s" : String(cString: strerror(errno)) }
            if n >= 2 && buffer[0] == UInt8(id >> 8) && buffer[1] == UInt8(id & 0xFF) { return nil }
        }
        return "no answer within 1.5 s"
    }
}

/// ARP (RFC 826) for Ethernet and IPv4, as much as the duplicate-address sweep needs.
enum ARPFrame {
    static func request(from mac: MACAddress, source: IPv4Address, target: IPv4Address) -> [UInt8] {
        var frame = [UInt8](repeating: 0xFF, count: 6) + mac.bytes + [0x08, 0x06]
        frame += [0, 1, 0x08, 0x00, 6, 4, 0, 1] + mac.bytes + source.bytes + [UInt8](repeating: 0, count: 6) + target.bytes
        return frame
    }

    /// A reply's sender address and MAC; nil for anything else.
    static func reply(_ frame: [UInt8]) -> (sender: IPv4Address, mac: MACAddress)? {
        guard frame.count >= 42, frame[12] == 0x08, frame[13] == 0x06, frame[20] == 0, frame[21] == 2,
              let mac = MACAddress(bytes: frame[22..<28]) else { return nil }
        return (IPv4Address(frame[28], frame[29], frame[30], frame[31]), mac)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
