import Foundation
import Glibc
import Logging
import Netlink
import NWFilter
import PatchbayEngine
import PatchbayModel
import Synchronization

/// libvirt's learnIPAddressThread (CTRL_IP_LEARNING=any) without libpcap: for each watched port
/// a thread of its own reads the frames its guest sends on the port's device (a packet socket
/// bound to that device only, so nothing else is copied) until one says which IPv4 address the
/// guest uses (`NWFilterTrafficLearning`), reports it once and ends. A device that does not
/// exist yet is waited for: a port's rules, and so its watch, come before its device.
///
/// Watches are short-lived (a guest speaks within seconds of booting), so a thread each keeps
/// the reading simple; ports that never speak keep theirs, blocked in a receive with a timeout.
public final class TrafficAddressLearner: NWFilterAddressLearning {
    private let watching = Mutex<[String: UInt64]>([:])
    private let generation = Mutex<UInt64>(0)
    private let report = Mutex<(@Sendable (String, IPv4Address) async -> Void)?>(nil)
    private let namespacePath: String?
    private let logger: Logger

    public init(namespacePath: String? = nil, logger: Logger) {
        self.namespacePath = namespacePath
        self.logger = logger
    }

    /// Where learnt addresses go (the engine's `nwfilterAddressLearned`); set once at start.
    public func setReport(_ body: @escaping @Sendable (String, IPv4Address) async -> Void) {
        report.withLock { $0 = body }
    }

    public func watch(device: String, mac: MACAddress) async {
        let ticket = generation.withLock { g -> UInt64 in g += 1; return g }
        let fresh = watching.withLock { w -> Bool in
            guard w[device] == nil else { return false }
            w[device] = ticket
            return true
        }
        guard fresh else { return }
        let thread = Thread { [self] in self.run(device: device, mac: mac, ticket: ticket) }
        thread.name = "patchbay-learn-\(device)"
        thread.start()
    }

    public func stop(device: String) async {
        _ = watching.withLock { $0.removeValue(forKey: device) }
    }

    private func current(_ device: String, _ ticket: UInt64) -> Bool { watching.withLock { $0[device] == ticket } }

    private func run(device: String, mac: MACAddress, ticket: UInt64) {
        let socket: PacketSocket
        // Protocol 0: nothing is received until the socket is bound to the port's device.
        do { socket = try PacketSocket(ethertype: 0, namespacePath: namespacePath, receiveTimeoutMilliseconds: 250) } catch {
            logger.error("cannot watch a port for its guest's address", metadata: ["device": "\(device)", "error": "\(error)"])
            return
        }
        var bound = false
        while current(device, ticket) {
            if !bound {
                let index = Int32(bitPattern: if_nametoindex(device))
                guard index > 0 else {
                    // Not there yet (this thread is the watch's own): look again shortly.
                    Thread.sleep(forTimeInterval: 0.1)
                    continue
                }
                do { try socket.bind(interfaceIndex: index, ethertype: 0x0003) } catch {
                    logger.error("cannot watch a port for its guest's address", metadata: ["device": "\(device)", "error": "\(error)"])
                    return
                }
                bound = true
                continue
            }
            let received: (interfaceIndex: Int32, frame: [UInt8])?
            do { received = try socket.receive() } catch {
                // The device went (ENETDOWN, ENXIO): look for it again, not at once (an error
                // that persists must not spin this thread).
                bound = false
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            guard let received, let address = NWFilterTrafficLearning.address(in: received.frame, from: mac) else { continue }
            guard watching.withLock({ w -> Bool in
                guard w[device] == ticket else { return false }
                w[device] = nil
                return true
            }) else { return }
            logger.info("guest address seen", metadata: ["device": "\(device)", "address": "\(address)"])
            if let report = report.withLock({ $0 }) {
                Task { await report(device, address) }
            }
            return
        }
    }
}
