/// `<bandwidth>`: QoS for the network or a portgroup, in kilobytes per second (burst in kilobytes).
public struct BandwidthDefinition: Sendable, Hashable, Codable {
    public var inbound: BandwidthRate?
    public var outbound: BandwidthRate?

    public init(inbound: BandwidthRate? = nil, outbound: BandwidthRate? = nil) {
        self.inbound = inbound
        self.outbound = outbound
    }
}

public struct BandwidthRate: Sendable, Hashable, Codable {
    public var average: UInt64?
    public var peak: UInt64?
    public var burst: UInt64?
    public var floor: UInt64?

    public init(average: UInt64? = nil, peak: UInt64? = nil, burst: UInt64? = nil, floor: UInt64? = nil) {
        self.average = average
        self.peak = peak
        self.burst = burst
        self.floor = floor
    }
}

/// `<vlan trunk>` with its `<tag id nativeMode>`s.
public struct VLANDefinition: Sendable, Hashable, Codable {
    public var trunk: Bool
    public var tags: [VLANTag]

    public init(trunk: Bool, tags: [VLANTag]) {
        self.trunk = trunk
        self.tags = tags
    }
}

public struct VLANTag: Sendable, Hashable, Codable {
    public enum NativeMode: String, Sendable, Hashable, Codable, CaseIterable {
        case tagged, untagged
    }

    public var id: UInt16
    public var nativeMode: NativeMode?

    public init(id: UInt16, nativeMode: NativeMode? = nil) {
        self.id = id
        self.nativeMode = nativeMode
    }
}

/// `<virtualport type>` and its `<parameters>`: Open vSwitch, 802.1Qbh, 802.1Qbg or MidoNet.
public struct VirtualPortDefinition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case ieee8021Qbg = "802.1Qbg"
        case ieee8021Qbh = "802.1Qbh"
        case openvswitch
        case midonet
    }

    public var type: Kind?
    public var managerID: UInt8?
    public var typeID: UInt32?
    public var typeIDVersion: UInt8?
    public var instanceID: NetworkUUID?
    public var interfaceID: NetworkUUID?
    public var profileID: String?

    public init(type: Kind? = nil) { self.type = type }

    public var hasParameters: Bool {
        managerID != nil || typeID != nil || typeIDVersion != nil || instanceID != nil || interfaceID != nil || profileID != nil
    }
}

/// `<portgroup>`: settings a guest interface inherits by naming the group.
public struct PortGroupDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var isDefault: Bool = false
    public var trustGuestRxFilters: Bool?
    public var vlan: VLANDefinition?
    public var virtualPort: VirtualPortDefinition?
    public var bandwidth: BandwidthDefinition?

    public init(name: String) { self.name = name }
}
