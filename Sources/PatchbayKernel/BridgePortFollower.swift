import Foundation
import LoopGuard
import Netlink
import PatchbayModel
import Synchronization

/// The loop guard's picture of the namespace's bridge ports (`BridgePortTable`), kept from link
/// events on a thread of its own: a port that appears, leaves, changes state or loses its carrier
/// is announced by the kernel, so no round has to dump every port. One full dump at start, and
/// one more whenever the kernel says events were lost (ENOBUFS).
///
/// The monitor subscribes before the first dump: an event that raced the dump is applied after
/// it, and events come in order, so the table ends in the kernel's latest state. Only the
/// follower's thread writes the table; the guard's thread reads copies.
final class BridgePortFollower: Sendable {
    private let monitor: LinkMonitor
    /// The follower's own: a NetlinkSession is used from one thread at a time.
    private let session: NetlinkSession
    private let table: Mutex<BridgePortTable>
    private let stopped = Atomic(false)
    private let onLost: @Sendable (NetlinkError) -> Void

    init(namespacePath: String?, onLost: @escaping @Sendable (NetlinkError) -> Void) throws(NetlinkError) {
        monitor = try LinkMonitor(namespacePath: namespacePath)
        session = try NetlinkSession(namespacePath: namespacePath)
        table = Mutex(BridgePortTable(try session.bridgePortStatuses()))
        self.onLost = onLost
        let thread = Thread { [self] in follow() }
        thread.name = "patchbay-loop-guard-links"
        thread.start()
    }

    /// Ends the thread after its current wait (at most half a second).
    func stop() { stopped.store(true, ordering: .relaxed) }

    func ports(ofBridge index: Int32) -> [BridgePortStatus] { table.withLock { $0.ports(ofBridge: index) } }

    private func follow() {
        while !stopped.load(ordering: .relaxed) {
            do {
                let events = try monitor.next()
                guard !events.isEmpty else { continue }
                table.withLock { table in
                    for event in events {
                        switch event {
                        case .changed(let link):
                            // A message of a bridge port that does not say its state (the kernel
                            // sends none such) leaves the port as it was; any other says what the
                            // device is now, a bridge port or not.
                            let portWithoutState = link.masterIndex.map { $0 != link.index } == true
                                && (link.slaveKind == nil || link.slaveKind == "bridge") && link.bridgePort?.state == nil
                            if !portWithoutState { table.update(index: link.index, as: link.bridgePortStatus) }
                        case .removed(let index):
                            table.remove(index: index)
                        }
                    }
                }
            } catch {
                onLost(error)
                reload()
            }
        }
    }

    /// Reads every bridge port again, until it succeeds or the follower is stopped.
    private func reload() {
        while !stopped.load(ordering: .relaxed) {
            do {
                let fresh = BridgePortTable(try session.bridgePortStatuses())
                table.withLock { $0 = fresh }
                return
            } catch {
                onLost(error)
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }
}
