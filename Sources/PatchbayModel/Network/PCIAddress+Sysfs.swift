extension PCIAddress {
    /// Reads the kernel's name of a PCI function, `DDDD:BB:SS.F` (the basename of its directory
    /// under /sys/bus/pci/devices and of a PF's `virtfnN` links): four hex digits of domain, two
    /// of bus, two of slot (at most 0x1f) and one function digit (at most 7), as
    /// virPCIDeviceAddressParse reads it. nil for anything else.
    public init?(sysfsName name: some StringProtocol) {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let slotFunction = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard slotFunction.count == 2, parts[0].count == 4, parts[1].count == 2, slotFunction[0].count == 2, slotFunction[1].count == 1,
              let domain = UInt32(parts[0], radix: 16), let bus = UInt8(parts[1], radix: 16),
              let slot = UInt8(slotFunction[0], radix: 16), slot <= 0x1f,
              let function = UInt8(slotFunction[1], radix: 16), function <= 7 else { return nil }
        self.init(domain: domain, bus: bus, slot: slot, function: function)
    }
}
