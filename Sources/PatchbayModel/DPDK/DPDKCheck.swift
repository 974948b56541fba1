/// The judgement of `patchbay dpdk-check`: from the host's facts and what Open vSwitch says of
/// itself, one result per thing DPDK needs, each saying what was found, what it is needed for and
/// the command that fixes it. What each check asks for, and why, is in docs/ovs-dpdk-findings.md
/// (what was tried here: the EAL's own messages for each failure).
public enum DPDKCheck {
    /// The drivers a DPDK poll-mode driver takes a NIC from: vfio-pci (IOMMU-isolated),
    /// uio_pci_generic and igb_uio (no isolation).
    public static let userspaceDrivers = ["vfio-pci", "uio_pci_generic", "igb_uio"]

    /// What libvirt and OVS-DPDK's guides reserve: 1 GiB of 2 MiB pages (`dpdk-socket-mem` of
    /// 512-1024 MB and room for a guest).
    static let suggestedPages = 1024

    public static func evaluate(_ host: DPDKHostFacts, openVSwitch: OVSReachability) -> DPDKCheckReport {
        let dpdkInitialized: Bool
        if case .reachable(let system) = openVSwitch { dpdkInitialized = system.dpdkInitialized } else { dpdkInitialized = false }
        var checks = [
            hugepages(host, dpdkInitialized: dpdkInitialized),
            hugetlbfs(host),
            mempoolDriver(host),
        ]
        checks += openVSwitchChecks(openVSwitch, dpdkVswitchdInstalled: host.dpdkVswitchdInstalled)
        checks += [iommu(host), userspaceIODriver(host), dpdkNICs(host)]
        return DPDKCheckReport(checks: checks, nics: host.nics)
    }

    // MARK: memory

    /// The EAL takes its memory (dpdk-socket-mem) from reserved hugepages when ovs-vswitchd
    /// starts, for vhost-user and physical ports alike.
    static func hugepages(_ host: DPDKHostFacts, dpdkInitialized: Bool) -> DPDKCheckResult {
        let needed: [DPDKUse] = [.vhostUser, .physicalPorts, .hugepageGuestMemory]
        guard !host.hugepagePools.isEmpty else {
            return DPDKCheckResult(name: "hugepages", status: .missing, found: "the kernel offers no hugepages (no /sys/kernel/mm/hugepages)",
                                   neededFor: needed, fix: "a kernel with CONFIG_HUGETLBFS and CONFIG_HUGETLB_PAGE")
        }
        let found = host.hugepagePools.sorted { $0.pageSizeKiB < $1.pageSizeKiB }.map { pool in
            pool.total == 0 ? "\(pool.pageSizeKiB) kB: none reserved"
                : "\(pool.pageSizeKiB) kB: \(pool.total) reserved, \(pool.free) free, \(pool.reserved) promised, \(pool.surplus) surplus"
        }.joined(separator: "; ")
        let size = host.hugepagePools.contains { $0.pageSizeKiB == 2048 } ? 2048 : host.hugepagePools.map(\.pageSizeKiB).min()!
        let reserve = "echo \(suggestedPages) > /sys/kernel/mm/hugepages/hugepages-\(size)kB/nr_hugepages"
            + (size == 2048 ? " (and vm.nr_hugepages = \(suggestedPages) in /etc/sysctl.d/hugepages.conf to keep it)" : "")
        let reservedPools = host.hugepagePools.filter { $0.total > 0 }
        if reservedPools.isEmpty {
            return DPDKCheckResult(name: "hugepages", status: .missing, found: found, neededFor: needed, fix: reserve)
        }
        // A running DPDK has taken its pages already; one yet to start needs free ones.
        if !dpdkInitialized && reservedPools.allSatisfy({ $0.free - $0.reserved <= 0 }) {
            return DPDKCheckResult(name: "hugepages", status: .warning, found: found + " (every reserved page is in use: a starting ovs-vswitchd's EAL gets none)",
                                   neededFor: needed, fix: "reserve more: " + reserve)
        }
        return DPDKCheckResult(name: "hugepages", status: .ok, found: found, neededFor: needed)
    }

    /// OVS 3.1's EAL runs with --in-memory and needs no mount (it said "hugepages reserved, but no
    /// mounted hugetlbfs found" and initialised); guests whose memory is a file on hugetlbfs need
    /// one, guests on memory-backend-memfd do not.
    static func hugetlbfs(_ host: DPDKHostFacts) -> DPDKCheckResult {
        let needed: [DPDKUse] = [.hugepageGuestMemory]
        let sizes = Set(host.hugepagePools.filter { $0.total > 0 }.map(\.pageSizeKiB))
        let size = sizes.min() ?? 2048
        let mount = "mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=\(pageSizeOption(size)) nodev /dev/hugepages"
        guard !host.hugetlbfsMounts.isEmpty else {
            return DPDKCheckResult(name: "hugetlbfs", status: .warning,
                                   found: "no hugetlbfs mount (OVS's EAL does without one; guests with memory-backend-file on hugepages need one, memory-backend-memfd guests do not)",
                                   neededFor: needed, fix: mount)
        }
        let found = host.hugetlbfsMounts.map { "\($0.path) (\($0.pageSizeKiB) kB pages)" }.joined(separator: ", ")
        let mounted = Set(host.hugetlbfsMounts.map(\.pageSizeKiB))
        if !sizes.isEmpty && mounted.isDisjoint(with: sizes) {
            return DPDKCheckResult(name: "hugetlbfs", status: .warning,
                                   found: found + ": none for the \(sizes.sorted().map { "\($0) kB" }.joined(separator: ", ")) pages reserved",
                                   neededFor: needed, fix: mount)
        }
        return DPDKCheckResult(name: "hugetlbfs", status: .ok, found: found, neededFor: needed)
    }

    static func pageSizeOption(_ kib: Int) -> String {
        kib % (1024 * 1024) == 0 ? "\(kib / 1024 / 1024)G" : kib % 1024 == 0 ? "\(kib / 1024)M" : "\(kib)k"
    }

    /// Debian's DPDK is linked shared and loads its mempool driver as a plugin: without
    /// librte_mempool_ring every port fails with "Failed to create mempool ... Invalid argument".
    static func mempoolDriver(_ host: DPDKHostFacts) -> DPDKCheckResult {
        let needed: [DPDKUse] = [.vhostUser, .physicalPorts]
        guard let directory = host.dpdkDrivers else {
            return DPDKCheckResult(name: "dpdk-mempool-driver", status: .missing,
                                   found: "no DPDK driver directory (/usr/lib/*/dpdk/pmds-*): DPDK's libraries are not installed",
                                   neededFor: needed, fix: "apt-get install openvswitch-switch-dpdk librte-mempool-ring23")
        }
        if directory.drivers.contains("librte_mempool_ring") {
            return DPDKCheckResult(name: "dpdk-mempool-driver", status: .ok, found: "librte_mempool_ring in \(directory.path)", neededFor: needed)
        }
        let package = "librte-mempool-ring" + (directory.abiMajor ?? "")
        return DPDKCheckResult(name: "dpdk-mempool-driver", status: .missing,
                               found: "\(directory.path) has \(directory.drivers.count) drivers but no librte_mempool_ring: every DPDK port fails with \"Failed to create mempool ... Invalid argument\"",
                               neededFor: needed, fix: "apt-get install \(package)")
    }

    // MARK: Open vSwitch

    static let restartOVS = "systemctl restart openvswitch-switch"
    static let selectDPDKBuild = "update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"

    static func openVSwitchChecks(_ reachability: OVSReachability, dpdkVswitchdInstalled: Bool) -> [DPDKCheckResult] {
        let needed: [DPDKUse] = [.vhostUser, .physicalPorts]
        let system: OVSSystem
        switch reachability {
        case .notConfigured, .unreachable:
            let found: String
            if case .unreachable(let reason) = reachability { found = "not reachable: \(reason)" } else {
                found = "patchbayd has no Open vSwitch connection"
            }
            let unknown = "Open vSwitch is not reachable"
            return [
                DPDKCheckResult(name: "openvswitch", status: .missing, found: found, neededFor: needed,
                                fix: "apt-get install openvswitch-switch-dpdk && systemctl start openvswitch-switch"),
                DPDKCheckResult(name: "ovs-netdev-datapath", status: .notApplicable, found: unknown, neededFor: needed),
                DPDKCheckResult(name: "ovs-dpdk-build", status: .notApplicable, found: unknown, neededFor: needed),
                DPDKCheckResult(name: "ovs-dpdk-initialized", status: .notApplicable, found: unknown, neededFor: needed),
            ]
        case .reachable(let reached):
            system = reached
        }
        var checks = [DPDKCheckResult(name: "openvswitch", status: .ok,
                                      found: "Open vSwitch \(system.version ?? "(version not recorded in its database)")", neededFor: needed)]
        checks.append(system.datapathTypes.contains("netdev")
            ? DPDKCheckResult(name: "ovs-netdev-datapath", status: .ok, found: "datapath types: \(system.datapathTypes.joined(separator: ", "))", neededFor: needed)
            : DPDKCheckResult(name: "ovs-netdev-datapath", status: .missing,
                              found: "no userspace (netdev) datapath; datapath types: \(list(system.datapathTypes))",
                              neededFor: needed, fix: "an Open vSwitch built with the userspace datapath (Debian's openvswitch-switch-dpdk)"))
        let dpdkBuild = system.interfaceTypes.contains("dpdkvhostuserclient")
        if dpdkBuild {
            checks.append(DPDKCheckResult(name: "ovs-dpdk-build", status: .ok,
                                          found: "ovs-vswitchd is a DPDK build (interface type dpdkvhostuserclient)", neededFor: needed))
        } else {
            let fix = (dpdkVswitchdInstalled ? "" : "apt-get install openvswitch-switch-dpdk && ") + selectDPDKBuild + " && " + restartOVS
            checks.append(DPDKCheckResult(name: "ovs-dpdk-build", status: .missing,
                                          found: "ovs-vswitchd has no DPDK (interface types: \(list(system.interfaceTypes)))"
                                              + (dpdkVswitchdInstalled ? "; the DPDK build is installed but not selected" : ""),
                                          neededFor: needed, fix: fix))
        }
        if system.dpdkInitialized {
            checks.append(DPDKCheckResult(name: "ovs-dpdk-initialized", status: .ok,
                                          found: "\(system.dpdkVersion ?? "DPDK") initialised", neededFor: needed))
        } else if dpdkBuild {
            checks.append(DPDKCheckResult(name: "ovs-dpdk-initialized", status: .missing,
                                          found: "the EAL is not initialised (dpdk_initialized is false; its messages are in ovs-vswitchd.log)",
                                          neededFor: needed,
                                          fix: "ovs-vsctl set Open_vSwitch . other_config:dpdk-init=true && " + restartOVS))
        } else {
            checks.append(DPDKCheckResult(name: "ovs-dpdk-initialized", status: .notApplicable,
                                          found: "ovs-vswitchd has no DPDK to initialise", neededFor: needed))
        }
        return checks
    }

    static func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: ", ") }

    // MARK: physical NICs

    /// vfio-pci hands a NIC to userspace only inside an IOMMU group.
    static func iommu(_ host: DPDKHostFacts) -> DPDKCheckResult {
        let needed: [DPDKUse] = [.physicalPorts]
        let asked = host.kernelCommandLine.split(separator: " ").filter {
            $0.hasPrefix("intel_iommu=") || $0.hasPrefix("amd_iommu=") || $0.hasPrefix("iommu=")
        }.joined(separator: " ")
        let options = asked.isEmpty ? "no IOMMU options on the kernel command line" : "kernel command line: \(asked)"
        if host.iommuGroupCount > 0 {
            return DPDKCheckResult(name: "iommu", status: .ok, found: "\(host.iommuGroupCount) IOMMU groups (\(options))", neededFor: needed)
        }
        if host.vfioNoIOMMUMode {
            return DPDKCheckResult(name: "iommu", status: .warning,
                                   found: "no IOMMU groups; vfio runs in its unsafe no-IOMMU mode: a NIC bound to vfio-pci can write to all of the host's memory",
                                   neededFor: needed, fix: "enable the IOMMU (VT-d or AMD-Vi in the firmware, intel_iommu=on iommu=pt on the kernel command line)")
        }
        let enabled = host.kernelCommandLine.split(separator: " ").contains { $0 == "intel_iommu=on" || $0 == "amd_iommu=on" }
        if enabled {
            return DPDKCheckResult(name: "iommu", status: .missing,
                                   found: "no IOMMU groups although the command line asks for the IOMMU (\(asked)): the machine has none, or the firmware has it off",
                                   neededFor: needed, fix: "enable VT-d (Intel) or AMD-Vi / IOMMU (AMD) in the firmware setup and reboot")
        }
        return DPDKCheckResult(name: "iommu", status: .missing, found: "no IOMMU groups (\(options))", neededFor: needed,
                               fix: "add intel_iommu=on iommu=pt (amd_iommu=on iommu=pt on AMD) to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub and reboot")
    }

    static func userspaceIODriver(_ host: DPDKHostFacts) -> DPDKCheckResult {
        let needed: [DPDKUse] = [.physicalPorts]
        let states = userspaceDrivers.map { name in host.modules.first { $0.name == name }?.state ?? .unknown }
        let found = zip(userspaceDrivers, states).map { "\($0): \($1.rawValue)" }.joined(separator: ", ")
        if states[0] == .loaded {
            return DPDKCheckResult(name: "userspace-io-driver", status: .ok, found: found, neededFor: needed)
        }
        if states.dropFirst().contains(.loaded) {
            return DPDKCheckResult(name: "userspace-io-driver", status: .warning,
                                   found: found + " (a uio driver gives the NIC DMA to all of the host's memory)", neededFor: needed,
                                   fix: states[0] == .absent ? nil : "modprobe vfio-pci, and bind NICs to it instead")
        }
        if states[0] != .absent {
            return DPDKCheckResult(name: "userspace-io-driver", status: .missing, found: found, neededFor: needed,
                                   fix: "modprobe vfio-pci (and vfio-pci in /etc/modules-load.d/dpdk.conf to keep it)")
        }
        if states[1] != .absent {
            return DPDKCheckResult(name: "userspace-io-driver", status: .missing, found: found, neededFor: needed,
                                   fix: "modprobe uio_pci_generic (no IOMMU isolation; a kernel with CONFIG_VFIO_PCI is safer)")
        }
        return DPDKCheckResult(name: "userspace-io-driver", status: .missing, found: found + " (this kernel has none of them)",
                               neededFor: needed, fix: "a kernel with CONFIG_VFIO_PCI (Debian's has it as a module)")
    }

    static func dpdkNICs(_ host: DPDKHostFacts) -> DPDKCheckResult {
        let needed: [DPDKUse] = [.physicalPorts]
        guard !host.nics.isEmpty else {
            return DPDKCheckResult(name: "dpdk-nics", status: .missing, found: "no PCI network devices", neededFor: needed,
                                   fix: "a PCI NIC that a DPDK poll-mode driver supports")
        }
        let found = host.nics.map(describe).joined(separator: ", ")
        if host.nics.contains(where: \.boundForDPDK) {
            return DPDKCheckResult(name: "dpdk-nics", status: .ok, found: found, neededFor: needed)
        }
        let candidate = host.nics[0]
        let down = candidate.interfaces.map { "ip link set \($0) down && " }.joined()
        let note = candidate.interfaces.isEmpty ? "" : " (the host loses \(candidate.interfaces.joined(separator: ", ")): pick a NIC it does not use)"
        return DPDKCheckResult(name: "dpdk-nics", status: .missing, found: found + ": none bound to \(userspaceDrivers.joined(separator: ", "))",
                               neededFor: needed, fix: "\(down)dpdk-devbind.py --bind=vfio-pci \(candidate.address)\(note)")
    }

    static func describe(_ nic: PCINetworkDevice) -> String {
        let names = nic.interfaces.isEmpty ? "" : " " + nic.interfaces.joined(separator: ",")
        return "\(nic.address)\(names) (\(nic.driver ?? "no driver"))"
    }
}
