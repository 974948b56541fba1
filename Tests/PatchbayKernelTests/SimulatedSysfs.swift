import Foundation
import PatchbayKernel
import PatchbayModel
import Synchronization

/// A sysfs tree in a temporary directory, laid out as the kernel lays it out for one SR-IOV PF
/// (an ixgbe NIC at 0000:03:00.0 named `eno1`) and its VFs (ixgbevf, `eno1vN`): real
/// directories under devices/, and the same symlinks as in /sys (class/net/NAME, bus/pci/devices/
/// ADDR, the PF's virtfnN, each VF's physfn and driver, each netdev's device).
///
/// `write` is the attribute writer `SRIOVSysfs` is given: it writes the file, then does what the
/// kernel does on that write (driver_override, driver/unbind, drivers_probe), so binding is tested
/// against the kernel's behaviour rather than against a record of writes.
final class SimulatedSysfs: Sendable {
    let root: String
    let pfAddress = "0000:03:00.0"
    let pfDirectory: String
    /// Whether vfio-pci's probe takes a device (false: a host without an IOMMU, where it fails).
    let vfioProbeSucceeds = Mutex(true)
    /// Every attribute write, in order ("PATH-UNDER-ROOT <- VALUE").
    let writes = Mutex<[String]>([])

    init(totalVFs: Int = 8, enabledVFs: Int = 2, withSRIOV: Bool = true, vfioLoaded: Bool = true) throws {
        root = NSTemporaryDirectory() + "pb-sysfs-" + UUID().uuidString
        pfDirectory = root + "/devices/pci0000:00/0000:00:01.0/" + pfAddress
        let fm = FileManager.default
        for driver in ["ixgbe", "ixgbevf"] + (vfioLoaded ? ["vfio-pci"] : []) {
            try fm.createDirectory(atPath: "\(root)/bus/pci/drivers/\(driver)", withIntermediateDirectories: true)
            for file in ["bind", "unbind", "new_id"] { try "".write(toFile: "\(root)/bus/pci/drivers/\(driver)/\(file)", atomically: false, encoding: .utf8) }
        }
        try fm.createDirectory(atPath: "\(root)/bus/pci/devices", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(root)/class/net", withIntermediateDirectories: true)
        try "".write(toFile: "\(root)/bus/pci/drivers_probe", atomically: false, encoding: .utf8)
        try addDevice(pfAddress, driver: "ixgbe", netdev: "eno1")
        if withSRIOV {
            try "\(totalVFs)\n".write(toFile: "\(pfDirectory)/sriov_totalvfs", atomically: false, encoding: .utf8)
            try "\(enabledVFs)\n".write(toFile: "\(pfDirectory)/sriov_numvfs", atomically: false, encoding: .utf8)
        }
        for number in 0..<enabledVFs {
            let address = vfAddress(number)
            try addDevice(address, driver: "ixgbevf", netdev: "eno1v\(number)")
            try fm.createSymbolicLink(atPath: "\(pfDirectory)/virtfn\(number)", withDestinationPath: "../\(address)")
            try fm.createSymbolicLink(atPath: "\(directory(address))/physfn", withDestinationPath: "../\(pfAddress)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// VF N sits at 0000:03:10.(2N), as ixgbe lays its VFs out (stride 2).
    func vfAddress(_ number: Int) -> String { "0000:03:1\(number / 4).\((number % 4) * 2)" }

    func directory(_ address: String) -> String { root + "/devices/pci0000:00/0000:00:01.0/" + address }

    private func addDevice(_ address: String, driver: String, netdev: String) throws {
        let fm = FileManager.default
        let dir = directory(address)
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "(null)\n".write(toFile: "\(dir)/driver_override", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: "\(root)/bus/pci/devices/\(address)", withDestinationPath: "../../../devices/pci0000:00/0000:00:01.0/\(address)")
        try bindLink(address, driver)
        try addNetdev(address, netdev)
    }

    private func bindLink(_ address: String, _ driver: String) throws {
        try FileManager.default.createSymbolicLink(atPath: "\(directory(address))/driver", withDestinationPath: "../../../../bus/pci/drivers/\(driver)")
    }

    /// DIR/net/NAME/ with its `device` link back, and /sys/class/net/NAME → it.
    private func addNetdev(_ address: String, _ name: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(directory(address))/net/\(name)", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: "\(directory(address))/net/\(name)/device", withDestinationPath: "../../../\(address)")
        try fm.createSymbolicLink(atPath: "\(root)/class/net/\(name)", withDestinationPath: "../../devices/pci0000:00/0000:00:01.0/\(address)/net/\(name)")
    }

    /// The driver a device is bound to now, read from its link.
    func driver(_ address: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory(address))/driver")).map { ($0 as NSString).lastPathComponent }
    }

    func netdevs(_ address: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(directory(address))/net")) ?? []).sorted()
    }

    func driverOverride(_ address: String) -> String {
        (try? String(contentsOfFile: "\(directory(address))/driver_override", encoding: .utf8)) ?? ""
    }

    var sysfs: SRIOVSysfs {
        SRIOVSysfs(root: root) { [self] (path: String, value: String) throws(PatchbayError) in try self.write(path, value) }
    }

    /// The kernel's side of each write: drivers' `unbind` (drivers/base/bus.c unbind_store) drops
    /// the driver link and the netdev; `drivers_probe` binds the device to its driver_override if
    /// set (pci_match_device), else to its own driver; driver_override "\n" clears it to "(null)".
    func write(_ path: String, _ value: String) throws(PatchbayError) {
        writes.withLock { $0.append(String(path.dropFirst(root.count + 1)) + " <- " + value.replacingOccurrences(of: "\n", with: "\\n")) }
        do {
            let fm = FileManager.default
            guard fm.fileExists(atPath: path) else { throw PatchbayError(.kernel, "cannot write to \(path)", cause: "No such file or directory") }
            if path.hasSuffix("/driver_override") {
                let name = value.trimmingCharacters(in: .whitespacesAndNewlines)
                try (name.isEmpty ? "(null)\n" : name + "\n").write(toFile: path, atomically: false, encoding: .utf8)
            } else if path.hasSuffix("/unbind") {
                let address = value.trimmingCharacters(in: .whitespacesAndNewlines)
                try fm.removeItem(atPath: "\(directory(address))/driver")
                for name in netdevs(address) {
                    try fm.removeItem(atPath: "\(directory(address))/net/\(name)")
                    try fm.removeItem(atPath: "\(root)/class/net/\(name)")
                }
            } else if path.hasSuffix("/drivers_probe") {
                let address = value.trimmingCharacters(in: .whitespacesAndNewlines)
                guard driver(address) == nil else { return }
                let override = driverOverride(address).trimmingCharacters(in: .whitespacesAndNewlines)
                if override != "(null)" {
                    guard fm.fileExists(atPath: "\(root)/bus/pci/drivers/\(override)") else { return }
                    if override == "vfio-pci" && !vfioProbeSucceeds.withLock({ $0 }) { return }
                    try bindLink(address, override)
                } else {
                    let own = address == pfAddress ? "ixgbe" : "ixgbevf"
                    try bindLink(address, own)
                    let number = (try? fm.contentsOfDirectory(atPath: pfDirectory))?.first { entry in
                        (try? fm.destinationOfSymbolicLink(atPath: "\(pfDirectory)/\(entry)")) == "../\(address)"
                    }.map { $0.dropFirst("virtfn".count) } ?? "x"
                    try addNetdev(address, "eno1v\(number)")
                }
            } else {
                try value.write(toFile: path, atomically: false, encoding: .utf8)
            }
        } catch let error as PatchbayError {
            throw error
        } catch {
            throw PatchbayError(.kernel, "simulated sysfs write to \(path) failed", cause: "\(error)")
        }
    }
}
