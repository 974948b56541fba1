/// `patchbay dpdk-check`'s answer (GET /v1/host/dpdk): each check with what it found, what it is
/// needed for and how to fix it, the host's PCI NICs, and whether each use is ready.
public struct DPDKCheckReport: Sendable, Hashable, Codable {
    public var checks: [DPDKCheckResult]
    public var nics: [PCINetworkDevice]
    /// No check that vhost-user ports need is `missing`: the CLI exits 0.
    public var vhostUserReady: Bool
    /// No check that physical DPDK ports (a NIC under a poll-mode driver) need is `missing`.
    public var physicalPortsReady: Bool

    public init(checks: [DPDKCheckResult], nics: [PCINetworkDevice]) {
        self.checks = checks
        self.nics = nics
        vhostUserReady = Self.ready(.vhostUser, checks)
        physicalPortsReady = Self.ready(.physicalPorts, checks)
    }

    static func ready(_ use: DPDKUse, _ checks: [DPDKCheckResult]) -> Bool {
        !checks.contains { $0.neededFor.contains(use) && $0.status == .missing }
    }

    public func check(_ name: String) -> DPDKCheckResult? { checks.first { $0.name == name } }
}

/// What a check is for.
public enum DPDKUse: String, Sendable, Hashable, Codable, CaseIterable {
    /// `vhostuser` ports: OVS-DPDK's dpdkvhostuserclient interfaces, guests on a socket.
    case vhostUser = "vhost-user"
    /// A host NIC handed to a DPDK poll-mode driver (an OVS `dpdk` interface).
    case physicalPorts = "physical-ports"
    /// Guest memory as memory-backend-file on hugetlbfs (libvirt's `<hugepages/>`); vhost-user
    /// guests can use memory-backend-memfd instead.
    case hugepageGuestMemory = "hugepage-guest-memory"

    public var label: String {
        switch self {
        case .vhostUser: "vhost-user"
        case .physicalPorts: "physical ports"
        case .hugepageGuestMemory: "hugepage guest memory"
        }
    }
}

public struct DPDKCheckResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case ok, missing, warning
        /// The check cannot be made (OVS is not reachable, so its build cannot be judged).
        case notApplicable = "not-applicable"
    }

    /// Stable, for scripts: "hugepages", "hugetlbfs", "dpdk-mempool-driver", "openvswitch",
    /// "ovs-netdev-datapath", "ovs-dpdk-build", "ovs-dpdk-initialized", "iommu",
    /// "userspace-io-driver", "dpdk-nics".
    public var name: String
    public var status: Status
    /// What the host has, in words.
    public var found: String
    public var neededFor: [DPDKUse]
    /// A command (or the step) that fixes it; nil when there is nothing to fix.
    public var fix: String?

    public init(name: String, status: Status, found: String, neededFor: [DPDKUse], fix: String? = nil) {
        self.name = name
        self.status = status
        self.found = found
        self.neededFor = neededFor
        self.fix = fix
    }
}
