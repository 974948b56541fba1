/// The parts of a network definition that the engine acts on. The full libvirt document is kept
/// alongside it (`xml`) so that nothing a user wrote is lost between define and dumpxml.
public struct NetworkDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: NetworkUUID
    public var forwardMode: ForwardMode
    public var bridge: BridgeSettings?
    public var mtu: Int?
    public var mac: MACAddress?
    public var addresses: [InterfaceAddress]
    /// The definition as libvirt XML, formatted the way `virsh net-dumpxml` prints it.
    public var xml: String

    public init(name: String, uuid: NetworkUUID, forwardMode: ForwardMode, bridge: BridgeSettings?,
                mtu: Int?, mac: MACAddress?, addresses: [InterfaceAddress], xml: String) {
        self.name = name
        self.uuid = uuid
        self.forwardMode = forwardMode
        self.bridge = bridge
        self.mtu = mtu
        self.mac = mac
        self.addresses = addresses
        self.xml = xml
    }
}

/// libvirt's `<bridge>` element.
public struct BridgeSettings: Sendable, Hashable, Codable {
    public var name: String
    public var stp: Bool
    /// Forward delay in seconds, as libvirt's `delay` attribute has it.
    public var delay: Int

    public init(name: String, stp: Bool = true, delay: Int = 0) {
        self.name = name
        self.stp = stp
        self.delay = delay
    }
}
