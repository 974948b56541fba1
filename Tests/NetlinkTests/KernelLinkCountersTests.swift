import Foundation
import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import PatchbayTestSupport
import Testing

/// `KernelLinks.linkCounters()`: one link dump with every device's counters (the guest's side)
/// and each bridge port's state, read back against `ip -s -j link` and `bridge -j link`.
@Suite("Kernel link counters (root, namespaces)", .serialized)
struct KernelLinkCountersTests {
    @Test func oneDumpHasCountersAndBridgePortStates() async throws {
        try await TestNamespace.with { host in
            try await TestNamespace.with { guest in
                let session = try NetlinkSession(namespacePath: host.path)
                let links = KernelLinks(session: session)
                try session.createBridge(name: "pbct0", stp: false, forwardDelaySeconds: 0)
                try session.createVeth(name: "pa", peerName: "pb")
                try session.setMaster(named: "pa", master: "pbct0")
                try Command.check("ip", ["-n", host.name, "link", "set", "pb", "netns", guest.name])
                for name in ["pbct0", "pa"] { try session.setLinkUp(named: name) }
                try Command.check("ip", ["-n", host.name, "addr", "add", "10.91.0.1/24", "dev", "pbct0"])
                try Command.check("ip", ["-n", guest.name, "addr", "add", "10.91.0.2/24", "dev", "pb"])
                try Command.check("ip", ["-n", guest.name, "link", "set", "pb", "up"])
                // No IPv6 chatter, so the counters hold still between the two reads.
                for ns in [host, guest] { _ = try ns.exec(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]) }
                #expect(try host.exec(["ping", "-c", "3", "-i", "0.2", "-W", "5", "10.91.0.2"]).succeeded)

                let dump = try await links.linkCounters()
                let bridge = try #require(dump.first { $0.link.name == "pbct0" })
                let port = try #require(dump.first { $0.link.name == "pa" })
                #expect(port.link.masterIndex == bridge.link.index)
                #expect(port.bridgePort?.state == .forwarding && port.bridgePort?.carrier == true)
                #expect(bridge.bridgePort == nil)
                let stats = try #require(port.guestStatistics)
                // The guest received the requests the host end sent, and sent the replies.
                #expect(stats.rxPackets >= 3 && stats.txPackets >= 3, "\(stats)")
                let shown = try #require(try host.ipJSON(["-s", "link", "show", "dev", "pa"]).first)
                let kernel = try #require(shown["stats64"] as? [String: Any])
                let tx = try #require(kernel["tx"] as? [String: Any]), rx = try #require(kernel["rx"] as? [String: Any])
                // Read after the dump: a frame the kernel sends meanwhile (ARP, a late IPv6
                // packet) can only add to a counter, never take from it.
                let shownTX = (tx["bytes"] as? NSNumber)?.uint64Value ?? 0, shownRX = (rx["bytes"] as? NSNumber)?.uint64Value ?? 0
                #expect(shownTX >= stats.rxBytes && shownTX - stats.rxBytes < 1_000, "ip: \(shownTX), dump: \(stats.rxBytes)")
                #expect(shownRX >= stats.txBytes && shownRX - stats.txBytes < 1_000, "ip: \(shownRX), dump: \(stats.txBytes)")
                // The same as one query for the device (read later: at least as much).
                let queried = try #require(try await links.guestStatistics(index: port.link.index))
                #expect(queried.rxBytes >= stats.rxBytes && queried.txBytes >= stats.txBytes
                        && queried.rxPackets >= stats.rxPackets && queried.txPackets >= stats.txPackets, "\(queried) \(stats)")

                // The loop guard's cut shows in the next dump.
                try session.setBridgePortState(index: port.link.index, state: 0)
                #expect(try await links.linkCounters().first { $0.link.name == "pa" }?.bridgePort?.state == .disabled)
                #expect(try host.bridgePortState("pa") == "disabled")
            }
        }
    }
}
