import PatchbayModel

extension NetworkEngine {
    /// Publishes the DHCP server's lease events with the port and owner each MAC belongs to.
    /// The daemon calls this in the order the server committed them.
    public func leaseEvents(network: String, _ notices: [LeaseNotice]) async {
        guard !notices.isEmpty else { return }
        let directory = await eventDirectory { current in
            notices.contains { notice in notice.mac.map { current.portsByMAC[.init(network: network, mac: $0)] == nil } ?? false }
        }
        for notice in notices {
            let port = notice.mac.flatMap { directory.portsByMAC[.init(network: network, mac: $0)] }
            let who = notice.mac.map { "\($0)" } ?? "a client"
            let named = port.map { "\(who) ('\($0.ownerName)' on \($0.device))" } ?? who
            let host = notice.hostname.map { " as \($0)" } ?? ""
            let message: String
            switch notice.type {
            case .leaseGranted: message = "\(notice.ip) leased to \(named)\(host)"
            case .leaseRenewed: message = "\(notice.ip) renewed by \(named)\(host)"
            case .leaseReleased: message = "\(notice.ip) released by \(named)"
            case .leaseDeclined: message = "\(notice.ip) declined by \(named): it is in use by another host, quarantined"
            case .leaseExpired: message = "\(notice.ip) of \(named) expired"
            default: message = "\(notice.type.rawValue) \(notice.ip) \(named)"
            }
            events.publish(PatchbayEvent(type: notice.type, network: network, port: port?.uuid.description, device: port?.device,
                                         owner: port?.ownerName, mac: notice.mac?.description, ip: notice.ip, message: message))
        }
    }
}
