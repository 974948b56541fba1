import OVSDBWire
import PatchbayModel

extension OVSDBSwitch {
    /// What the watch's monitor reports (RFC 7047 §4.1.5): the Interface columns that say whether
    /// ovs-vswitchd has the device (name, ofport, link_state, error) and whose it is
    /// (external_ids), and the Port columns Patchbay sets. Initial rows are not asked for: the
    /// caller looks for itself once the monitor is set up.
    static let watchedTables: [String: OVSDBMonitorRequest] = [
        OVSDBInterfaceRow.table: OVSDBMonitorRequest(columns: ["name", "ofport", "link_state", "external_ids", "error"],
                                                     select: .init(initial: false)),
        OVSDBPortRow.table: OVSDBMonitorRequest(columns: ["name", "interfaces", "tag", "trunks", "vlan_mode", "qos"],
                                                select: .init(initial: false)),
    ]

    static let watchMonitorID: JSONValue = "patchbay-watch"

    private enum WatchEvent: Sendable {
        case changed
        case closed
    }

    /// A monitor on a connection of its own. `changed` is called once when the monitor is in
    /// place (after every (re)connection, since changes may have been missed while there was
    /// none) and after each `update` notification; notifications that arrive while `changed` runs
    /// are folded into one more call, since the caller reads the state anew anyway. When the
    /// connection breaks the watch connects again after a pause that doubles from 0.1 s up to 5 s
    /// (warning once per outage). It returns when the calling task is cancelled.
    public func watch(_ changed: @escaping @Sendable () async -> Void) async throws(PatchbayError) {
        var pause = Duration.milliseconds(100)
        var warned = false
        while !Task.isCancelled {
            let (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingNewest(1))
            let socketPath = socketPath, timeout = timeout, logger = logger
            do {
                let connection = try await thread.run { () throws(OVSDBClientError) -> OVSDBConnection in
                    try OVSDBConnection.open(socketPath: socketPath, sendTimeout: timeout, logger: logger, onNotification: { method, params in
                        guard method == "update" else { return }
                        if let notification = try? OVSDBUpdateNotification(params: params), notification.monitorID != Self.watchMonitorID {
                            return
                        }
                        continuation.yield(.changed)
                    }, onClose: { _ in
                        continuation.yield(.closed)
                        continuation.finish()
                    })
                }
                defer { connection.close() }
                _ = try await connection.call(.monitor(database: Self.database, id: Self.watchMonitorID, Self.watchedTables),
                                              timeout: timeout, writer: thread)
                if warned { logger.info("watching Open vSwitch again", metadata: ["socket": "\(socketPath)"]) }
                pause = .milliseconds(100)
                warned = false
                await changed()
                for await event in events {
                    guard case .changed = event else { break }
                    await changed()
                }
            } catch {
                if Task.isCancelled { break }
                let failure = PatchbayError(error, doing: "watch Open vSwitch ports")
                if warned {
                    logger.debug("still cannot watch Open vSwitch", metadata: ["error": "\(failure)"])
                } else {
                    logger.warning("cannot watch Open vSwitch; retrying", metadata: ["error": "\(failure)"])
                    warned = true
                }
            }
            if Task.isCancelled { break }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
        }
    }
}
