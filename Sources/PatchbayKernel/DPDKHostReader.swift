import Foundation
import Glibc
import PatchbayIO
import PatchbayModel

/// Reads what `dpdk-check` judges from the host's files, under a root directory ("/" in the
/// daemon; tests pass a temporary directory holding a simulated tree): sys/kernel/mm/hugepages,
/// proc/mounts, proc/meminfo, proc/cmdline, sys/kernel/iommu_groups, sys/module,
/// lib/modules/RELEASE/modules.{dep,builtin} (RELEASE from proc/sys/kernel/osrelease),
/// sys/bus/pci/devices, usr/lib/*/dpdk/pmds-*, and Debian's ovs-vswitchd-dpdk. Nothing is
/// written and nothing is loaded: a file that cannot be read counts as absent.
///
/// `read()` is plain blocking file access; `facts()` runs it on the reader's own `IOThread`.
public struct DPDKHostReader: Sendable {
    public let root: String
    private let thread: IOThread

    public init(root: String = "/") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        thread = IOThread(name: "patchbay-dpdk-facts")
    }

    /// Debian's DPDK build of ovs-vswitchd, chosen with update-alternatives.
    public static let dpdkVswitchdPath = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"

    public func facts() async -> DPDKHostFacts {
        let reader = self
        return await thread.run { () -> DPDKHostFacts in reader.read() }
    }

    public func read() -> DPDKHostFacts {
        let defaultSize = HugetlbfsMount.defaultPageSizeKiB(procMeminfo: text("/proc/meminfo") ?? "") ?? 2048
        return DPDKHostFacts(
            hugepagePools: hugepagePools(),
            hugetlbfsMounts: HugetlbfsMount.parse(procMounts: text("/proc/mounts") ?? "", defaultPageSizeKiB: defaultSize),
            iommuGroupCount: entries("/sys/kernel/iommu_groups").count,
            kernelCommandLine: (text("/proc/cmdline") ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            modules: DPDKCheck.userspaceDrivers.map { KernelModuleFact(name: $0, state: moduleState($0)) },
            vfioNoIOMMUMode: text("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode")?.hasPrefix("Y") ?? false,
            nics: networkDevices(),
            dpdkDrivers: driverDirectory(),
            dpdkVswitchdInstalled: access(path(Self.dpdkVswitchdPath), X_OK) == 0)
    }

    func hugepagePools() -> [HugepagePool] {
        let base = "/sys/kernel/mm/hugepages"
        return entries(base).compactMap { name -> HugepagePool? in
            guard let size = HugepagePool.pageSizeKiB(directoryName: name) else { return nil }
            let directory = "\(base)/\(name)"
            return HugepagePool(pageSizeKiB: size, total: integer("\(directory)/nr_hugepages") ?? 0,
                                free: integer("\(directory)/free_hugepages") ?? 0, reserved: integer("\(directory)/resv_hugepages") ?? 0,
                                surplus: integer("\(directory)/surplus_hugepages") ?? 0)
        }.sorted { $0.pageSizeKiB < $1.pageSizeKiB }
    }

    /// Loaded: the driver is registered on the PCI bus (built in or a module) or /sys/module has
    /// it. Available: this kernel's modules.dep lists it. Unknown: no modules.dep to ask.
    func moduleState(_ name: String) -> KernelModuleFact.State {
        let underscored = String(name.map { $0 == "-" ? "_" : $0 })
        if exists("/sys/bus/pci/drivers/\(name)") || exists("/sys/module/\(underscored)") { return .loaded }
        guard let release = text("/proc/sys/kernel/osrelease")?.trimmingCharacters(in: .whitespacesAndNewlines), !release.isEmpty,
              let dep = text("/lib/modules/\(release)/modules.dep") else { return .unknown }
        let builtin = text("/lib/modules/\(release)/modules.builtin") ?? ""
        return KernelModuleFact.listed(name, in: dep) || KernelModuleFact.listed(name, in: builtin) ? .available : .absent
    }

    /// PCI functions of class 0x02, as dpdk-devbind.py --status lists them.
    func networkDevices() -> [PCINetworkDevice] {
        let base = "/sys/bus/pci/devices"
        return entries(base).sorted().compactMap { name -> PCINetworkDevice? in
            let directory = "\(base)/\(name)"
            guard PCIAddress(sysfsName: name) != nil, PCINetworkDevice.isNetworkClass(text("\(directory)/class") ?? "") else { return nil }
            // A virtio NIC's netdev hangs off its virtio device (DEV/virtioN/net/NAME).
            var interfaces = entries("\(directory)/net")
            for child in entries(directory) where child.hasPrefix("virtio") { interfaces += entries("\(directory)/\(child)/net") }
            return PCINetworkDevice(address: name, vendor: trimmed("\(directory)/vendor"), device: trimmed("\(directory)/device"),
                                    driver: linkBasename("\(directory)/driver"), interfaces: interfaces.sorted())
        }
    }

    func driverDirectory() -> DPDKDriverDirectory? {
        for triplet in entries("/usr/lib").sorted() {
            let dpdk = "/usr/lib/\(triplet)/dpdk"
            guard let pmds = entries(dpdk).filter({ $0.hasPrefix("pmds-") }).sorted().last else { continue }
            let drivers = Set(entries("\(dpdk)/\(pmds)").compactMap(DPDKDriverDirectory.driverName(fileName:)))
            return DPDKDriverDirectory(path: "\(dpdk)/\(pmds)", drivers: drivers.sorted())
        }
        return nil
    }

    // MARK: files

    private func path(_ absolute: String) -> String { root + absolute }

    private func exists(_ absolute: String) -> Bool { access(path(absolute), F_OK) == 0 }

    private func entries(_ absolute: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path(absolute))) ?? []
    }

    private func text(_ absolute: String) -> String? { try? String(contentsOfFile: path(absolute), encoding: .utf8) }

    private func trimmed(_ absolute: String) -> String { (text(absolute) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    private func integer(_ absolute: String) -> Int? { Int(trimmed(absolute)) }

    private func linkBasename(_ absolute: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path(absolute)) else { return nil }
        return target.split(separator: "/").last.map(String.init)
    }
}
