import Foundation
import Logging
import Netlink
import NetlinkWire
import PatchbayModel
import Synchronization

/// Reads the kernel's link and FDB notices on a thread of its own and hands them on in batches
/// (`report`), so the event stream and the port sweep follow the kernel without polling it. At
/// start, and again after an overrun, it takes stock (one link dump and one FDB dump per bridge)
/// and hands that over as a seed: what the trackers should know, not events.
public final class KernelEventFollower: Sendable {
    public typealias Report = @Sendable (_ notices: [KernelNotice], _ seed: Bool) async -> Void

    private let monitor: KernelNoticeMonitor
    private let session: NetlinkSession
    private let report: Report
    private let logger: Logger
    private let stopped = Atomic(false)

    public init(report: @escaping Report, logger: Logger) throws(NetlinkError) {
        // Subscribed before the first dump, so nothing between the two is lost.
        monitor = try KernelNoticeMonitor()
        session = try NetlinkSession()
        self.report = report
        self.logger = logger
    }

    public func start() {
        let thread = Thread { [self] in follow() }
        thread.name = "patchbay-kernel-events"
        thread.start()
    }

    /// Ends the thread after its current wait (at most half a second).
    public func stop() { stopped.store(true, ordering: .relaxed) }

    private func follow() {
        deliver(stock(), seed: true)
        while !stopped.load(ordering: .relaxed) {
            do {
                let notices = try monitor.next()
                if !notices.isEmpty { deliver(notices, seed: false) }
            } catch {
                logger.warning("kernel notices lost; taking stock again", metadata: ["error": "\(error)"])
                deliver(stock(), seed: true)
            }
        }
    }

    /// Every link, and every learned FDB entry of every bridge.
    private func stock() -> [KernelNotice] {
        let links: [Link]
        do { links = try session.links() } catch {
            logger.warning("cannot dump the links for the event stream", metadata: ["error": "\(error)"])
            return []
        }
        var notices = links.map { KernelNotice.link(index: $0.index, name: $0.name, state: $0.trackedState) }
        for bridge in links where bridge.kind == "bridge" {
            guard let entries = try? session.fdb(bridgeIndex: bridge.index) else { continue }
            notices += entries.compactMap { $0.notice(removed: false) }
        }
        return notices
    }

    /// Blocks this thread until the batch is handled: notices stay in order, and a burst the
    /// engine is slow with backs up in the kernel (and is recovered from as an overrun) rather
    /// than in memory.
    private func deliver(_ notices: [KernelNotice], seed: Bool) {
        let done = DispatchSemaphore(value: 0)
        let report = self.report
        Task {
            await report(notices, seed)
            done.signal()
        }
        done.wait()
    }
}
