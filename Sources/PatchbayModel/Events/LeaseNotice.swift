/// A lease event as the DHCP server reports it, for the engine to name (which port, which
/// owner) and publish.
public struct LeaseNotice: Sendable, Hashable {
    public var type: EventType
    public var mac: MACAddress?
    public var ip: String
    public var hostname: String?

    public init(type: EventType, mac: MACAddress?, ip: String, hostname: String? = nil) {
        self.type = type
        self.mac = mac
        self.ip = ip
        self.hostname = hostname
    }
}
