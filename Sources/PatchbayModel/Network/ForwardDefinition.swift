/// `<forward>`: how the network reaches the outside, and for the direct modes the pool of host
/// devices guests are attached to.
public struct ForwardDefinition: Sendable, Hashable, Codable {
    public var mode: ForwardMode = .none
    /// hostdev mode: whether libvirt detaches the devices from their host drivers.
    public var managed: Bool = false
    /// `<driver name>` for hostdev pools (vfio, kvm, xen); nil is libvirt's "default".
    public var driverName: String?
    /// `<driver model>`: the kernel's VFIO variant driver to bind the devices to (for example
    /// `mlx5_vfio_pci`) instead of plain `vfio-pci`. libvirt 10.0 added it with
    /// virDeviceHostdevPCIDriverInfo (src/conf/device_conf.c), shared with `<hostdev>`.
    public var driverModel: String?
    /// Netdev pool entries (`<interface dev>`; `dev=` on `<forward>` is the first of them).
    public var interfaces: [ForwardInterface] = []
    /// PCI pool entries (`<address type='pci'>`), for hostdev mode.
    public var pciAddresses: [PCIAddress] = []
    /// `<pf dev>`: a physical function whose virtual functions form the pool.
    public var pf: String?
    public var nat: NATDefinition?

    public init() {}

    /// The device `dev=` names: the first netdev interface, unless a PF is given.
    public var dev: String? { pf == nil ? interfaces.first?.dev : nil }
}

public struct ForwardInterface: Sendable, Hashable, Codable {
    public var dev: String
    /// Run-time count of guests using the device; written only in the live XML.
    public var connections: Int = 0

    public init(dev: String, connections: Int = 0) {
        self.dev = dev
        self.connections = connections
    }
}

/// `<nat>`: the SNAT address range and port range, and whether IPv6 is masqueraded too.
public struct NATDefinition: Sendable, Hashable, Codable {
    public var addressStart: IPv4Address?
    public var addressEnd: IPv4Address?
    public var portStart: UInt16?
    public var portEnd: UInt16?
    public var ipv6: Bool?

    public init(addressStart: IPv4Address? = nil, addressEnd: IPv4Address? = nil, portStart: UInt16? = nil,
                portEnd: UInt16? = nil, ipv6: Bool? = nil) {
        self.addressStart = addressStart
        self.addressEnd = addressEnd
        self.portStart = portStart
        self.portEnd = portEnd
        self.ipv6 = ipv6
    }

    public var isEmpty: Bool { addressStart == nil && addressEnd == nil && portStart == nil && portEnd == nil && ipv6 == nil }
}

/// A PCI address as libvirt writes it: `domain='0x0000' bus='0x03' slot='0x00' function='0x1'`.
public struct PCIAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var domain: UInt32
    public var bus: UInt8
    public var slot: UInt8
    public var function: UInt8

    public init(domain: UInt32, bus: UInt8, slot: UInt8, function: UInt8) {
        self.domain = domain
        self.bus = bus
        self.slot = slot
        self.function = function
    }

    /// `0000:03:00.1`, the form lspci and libvirt's messages use.
    public var description: String {
        hex(domain, 4) + ":" + hex(UInt32(bus), 2) + ":" + hex(UInt32(slot), 2) + "." + String(function, radix: 16)
    }
}

/// Zero-padded lower-case hexadecimal.
func hex(_ value: UInt32, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
