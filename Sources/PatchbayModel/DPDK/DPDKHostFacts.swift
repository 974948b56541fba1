/// What `patchbay dpdk-check` judges, as read from the host (sysfs, procfs, the DPDK and Open
/// vSwitch packages' files) by `DPDKHostReader`: plain values, so the judgement (`DPDKCheck`) is
/// pure and every path through it is a unit test.
public struct DPDKHostFacts: Sendable, Hashable, Codable {
    /// /sys/kernel/mm/hugepages/hugepages-NkB/, one per page size the kernel offers.
    public var hugepagePools: [HugepagePool]
    /// The hugetlbfs mounts of /proc/mounts.
    public var hugetlbfsMounts: [HugetlbfsMount]
    /// Entries of /sys/kernel/iommu_groups: 0 without an IOMMU (or with it off).
    public var iommuGroupCount: Int
    /// /proc/cmdline: whether intel_iommu=, amd_iommu= or iommu= were asked for.
    public var kernelCommandLine: String
    /// The userspace I/O drivers DPDK binds NICs to, in `DPDKCheck.userspaceDrivers`' order.
    public var modules: [KernelModuleFact]
    /// /sys/module/vfio/parameters/enable_unsafe_noiommu_mode is Y: vfio-pci without an IOMMU.
    public var vfioNoIOMMUMode: Bool
    /// Every PCI function of class 0x02 (network controller), whatever its driver: a NIC bound to
    /// vfio-pci has no netdev left, so /sys/class/net alone would not show it.
    public var nics: [PCINetworkDevice]
    /// The DPDK driver plugin directory (/usr/lib/TRIPLET/dpdk/pmds-ABI), nil when there is none.
    public var dpdkDrivers: DPDKDriverDirectory?
    /// Debian's DPDK build of ovs-vswitchd (/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk) is
    /// installed, so the fix for a non-DPDK vswitchd is update-alternatives rather than apt-get.
    public var dpdkVswitchdInstalled: Bool

    public init(hugepagePools: [HugepagePool] = [], hugetlbfsMounts: [HugetlbfsMount] = [], iommuGroupCount: Int = 0,
                kernelCommandLine: String = "", modules: [KernelModuleFact] = [], vfioNoIOMMUMode: Bool = false,
                nics: [PCINetworkDevice] = [], dpdkDrivers: DPDKDriverDirectory? = nil, dpdkVswitchdInstalled: Bool = false) {
        self.hugepagePools = hugepagePools
        self.hugetlbfsMounts = hugetlbfsMounts
        self.iommuGroupCount = iommuGroupCount
        self.kernelCommandLine = kernelCommandLine
        self.modules = modules
        self.vfioNoIOMMUMode = vfioNoIOMMUMode
        self.nics = nics
        self.dpdkDrivers = dpdkDrivers
        self.dpdkVswitchdInstalled = dpdkVswitchdInstalled
    }
}

/// One page size's pool: nr_hugepages, free_hugepages, resv_hugepages, surplus_hugepages.
public struct HugepagePool: Sendable, Hashable, Codable {
    public var pageSizeKiB: Int
    public var total: Int
    public var free: Int
    public var reserved: Int
    public var surplus: Int

    public init(pageSizeKiB: Int, total: Int, free: Int, reserved: Int = 0, surplus: Int = 0) {
        self.pageSizeKiB = pageSizeKiB
        self.total = total
        self.free = free
        self.reserved = reserved
        self.surplus = surplus
    }

    /// The page size from the pool's directory name, `hugepages-2048kB`.
    public static func pageSizeKiB(directoryName name: String) -> Int? {
        guard name.hasPrefix("hugepages-"), name.hasSuffix("kB") else { return nil }
        return Int(name.dropFirst("hugepages-".count).dropLast(2))
    }
}

/// A hugetlbfs mount and the page size it hands out.
public struct HugetlbfsMount: Sendable, Hashable, Codable {
    public var path: String
    public var pageSizeKiB: Int

    public init(path: String, pageSizeKiB: Int) {
        self.path = path
        self.pageSizeKiB = pageSizeKiB
    }

    /// The hugetlbfs lines of /proc/mounts ("nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0").
    /// A mount without `pagesize=` uses the default size (/proc/meminfo's Hugepagesize). Paths keep
    /// the kernel's octal escapes (`\040` for a space) decoded.
    public static func parse(procMounts text: String, defaultPageSizeKiB: Int) -> [HugetlbfsMount] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4, fields[2] == "hugetlbfs" else { return nil }
            let size = fields[3].split(separator: ",").lazy.compactMap { option -> Int? in
                guard option.hasPrefix("pagesize=") else { return nil }
                return HugetlbfsMount.kibibytes(option.dropFirst("pagesize=".count))
            }.first
            return HugetlbfsMount(path: unescape(fields[1]), pageSizeKiB: size ?? defaultPageSizeKiB)
        }
    }

    /// "2M", "1G", "2048k", "2097152" (bytes) as KiB, the forms the kernel prints and accepts.
    static func kibibytes(_ text: Substring) -> Int? {
        guard let last = text.last else { return nil }
        switch last {
        case "k", "K": return Int(text.dropLast())
        case "m", "M": return Int(text.dropLast()).map { $0 * 1024 }
        case "g", "G": return Int(text.dropLast()).map { $0 * 1024 * 1024 }
        default: return Int(text).map { $0 / 1024 }
        }
    }

    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// /proc/meminfo's "Hugepagesize:    2048 kB", nil when the kernel has no hugepages.
    public static func defaultPageSizeKiB(procMeminfo text: String) -> Int? {
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("Hugepagesize:") {
            return Int(line.dropFirst("Hugepagesize:".count).split(separator: " ").first ?? "")
        }
        return nil
    }
}

/// Whether a kernel module can be used: loaded (or built in), available to `modprobe`, absent
/// from this kernel, or unknown (no /lib/modules/RELEASE to look in, as in a container).
public struct KernelModuleFact: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case loaded, available, absent, unknown
    }

    /// As modprobe spells it (`vfio-pci`); /sys/module has it with underscores.
    public var name: String
    public var state: State

    public init(name: String, state: State) {
        self.name = name
        self.state = state
    }

    /// Whether modules.dep or modules.builtin (their text) lists the module: a line starting with
    /// a path whose file is NAME.ko (with any compression suffix), '-' and '_' being the same.
    public static func listed(_ name: String, in modulesList: String) -> Bool {
        let wanted = name.replacingAll("-", with: "_")
        for line in modulesList.split(whereSeparator: \.isNewline) {
            let path = line.split(separator: ":", maxSplits: 1).first ?? ""
            let file = path.split(separator: "/").last ?? ""
            guard let dot = file.firstIndex(of: ".") else { continue }
            if String(file[..<dot]).replacingAll("-", with: "_") == wanted && file[dot...].hasPrefix(".ko") { return true }
        }
        return false
    }
}

/// A PCI network function (class 0x02xxxx) and what holds it.
public struct PCINetworkDevice: Sendable, Hashable, Codable {
    /// `0000:03:00.0`, as lspci and dpdk-devbind.py write it.
    public var address: String
    /// `vendor` and `device`, as sysfs writes them ("0x8086", "0x10fb").
    public var vendor: String
    public var device: String
    /// The bound driver's name (the `driver` link), nil when none has it.
    public var driver: String?
    /// Its netdevs (DEV/net/NAME, or DEV/virtioN/net/NAME for virtio): none while a userspace
    /// driver holds it.
    public var interfaces: [String]

    public init(address: String, vendor: String, device: String, driver: String?, interfaces: [String]) {
        self.address = address
        self.vendor = vendor
        self.device = device
        self.driver = driver
        self.interfaces = interfaces
    }

    /// Bound to a driver DPDK's poll-mode drivers can take a device from.
    public var boundForDPDK: Bool { driver.map(DPDKCheck.userspaceDrivers.contains) ?? false }

    /// sysfs `class` ("0x020000") names a network controller.
    public static func isNetworkClass(_ text: String) -> Bool {
        let trimmed = text.filter { !$0.isWhitespace }
        return trimmed.hasPrefix("0x02") && trimmed.count == 8
    }
}

/// DPDK's plugin directory: a shared-linkage DPDK (Debian's) loads its poll-mode and mempool
/// drivers from here at EAL start-up.
public struct DPDKDriverDirectory: Sendable, Hashable, Codable {
    /// e.g. /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
    public var path: String
    /// The libraries' names without `.so*` ("librte_mempool_ring", "librte_net_vhost").
    public var drivers: [String]

    public init(path: String, drivers: [String]) {
        self.path = path
        self.drivers = drivers
    }

    /// The ABI major of `pmds-23.0` ("23"), which Debian's package names carry
    /// (librte-mempool-ring23).
    public var abiMajor: String? {
        guard let name = path.split(separator: "/").last, name.hasPrefix("pmds-") else { return nil }
        let version = name.dropFirst("pmds-".count)
        let major = version.split(separator: ".").first.map(String.init) ?? ""
        return major.isEmpty || !major.allSatisfy(\.isNumber) ? nil : major
    }

    /// A library file name ("librte_mempool_ring.so.23.0") as a driver name; nil for other files.
    public static func driverName(fileName: String) -> String? {
        guard fileName.hasPrefix("librte_"), let range = fileName.firstRange(of: ".so") else { return nil }
        return String(fileName[..<range.lowerBound])
    }
}

extension String {
    /// `replacingOccurrences` without Foundation.
    func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
