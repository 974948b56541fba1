/// A network filter as stored: its name and its XML, as `nwfilter-define` took it (the NWFilter
/// target parses it; the store keeps text so that it needs no knowledge of the language).
public struct NWFilterRecord: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: NetworkUUID
    public var xml: String

    public init(name: String, uuid: NetworkUUID, xml: String) {
        self.name = name
        self.uuid = uuid
        self.xml = xml
    }
}

/// A filter binding as stored: the port device it applies to, its `<filterbinding>` XML, and
/// the number that stands for the port in packet marks (kept so that a restart produces the
/// same rules and finds nothing to change). `port` is the network port that made it, nil for a
/// binding created by `nwfilter-binding-create`.
public struct NWFilterBindingRecord: Sendable, Hashable, Codable {
    public var device: String
    public var xml: String
    public var markID: UInt16
    public var port: NetworkUUID?
    /// The address learnt from the guest's own traffic (CTRL_IP_LEARNING=any), kept so that a
    /// restart does not send the port back to learning.
    public var learnedIPv4: IPv4Address?

    public init(device: String, xml: String, markID: UInt16, port: NetworkUUID? = nil, learnedIPv4: IPv4Address? = nil) {
        self.device = device
        self.xml = xml
        self.markID = markID
        self.port = port
        self.learnedIPv4 = learnedIPv4
    }
}
