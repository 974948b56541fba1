import Foundation
import Glibc
import PatchbayEngine
import PatchbayModel

/// SR-IOV discovery and driver binding through sysfs, over a root directory ("/sys" in the
/// daemon; tests pass a temporary directory holding a simulated tree, symlinks as the kernel
/// makes them). The files read and written, and the binding steps, are libvirt's
/// (src/util/virpci.c: virPCIGetVirtualFunctions, virPCIDeviceBindToStub, virPCIDeviceUnbind,
/// virPCIDeviceRebind, virPCIDeviceUnbindFromStub):
///
/// - `class/net/PF/device` → the PF's PCI directory, holding `sriov_totalvfs`, `sriov_numvfs`
///   and one `virtfnN` link per enabled VF to the VF's directory (`../DDDD:BB:SS.F`);
/// - a VF's directory holds `physfn` (→ its PF), `driver` (→ `bus/pci/drivers/NAME`, absent with
///   no driver), `driver_override`, and `net/NAME/` while a network driver has it;
/// - binding: write the driver's name to `driver_override`, the address to `driver/unbind`, the
///   address to `bus/pci/drivers_probe`; giving back: write "\n" to `driver_override`, unbind
///   from vfio-pci, probe again, so the VF's own driver takes it.
///
/// Reads and writes are plain blocking file calls: callers run them on their own thread.
/// `write` is every write to a sysfs attribute; tests wrap it to play the kernel's part.
public struct SRIOVSysfs: Sendable {
    public typealias Writer = @Sendable (_ path: String, _ value: String) throws(PatchbayError) -> Void

    public let root: String
    private let write: Writer

    public init(root: String = "/sys", write: Writer? = nil) {
        self.root = root
        // Spelt out: `write ?? SRIOVSysfs.writeAttribute` crashes Swift 6.3.1's SILGen (typed throws
        // through an optional function value).
        if let write {
            self.write = write
        } else {
            self.write = { (path: String, value: String) throws(PatchbayError) in try SRIOVSysfs.writeAttribute(path, value) }
        }
    }

    /// The stub driver a managed VF is bound to.
    public static let vfioDriver = "vfio-pci"

    // MARK: discovery

    /// The VFs of the PF `pf` (a netdev name), by VF number.
    public func virtualFunctions(ofPF pf: String) throws(PatchbayError) -> [VirtualFunction] {
        let netPath = "\(root)/class/net/\(pf)"
        guard exists(netPath) else {
            throw PatchbayError(.notFound, "no network device '\(pf)' to take SR-IOV virtual functions from (no \(netPath))")
        }
        let device = "\(netPath)/device"
        guard let pciName = linkBasename(device), let pfAddress = PCIAddress(sysfsName: pciName) else {
            throw PatchbayError(.invalidArgument, "'\(pf)' is not a PCI network device (\(device) is not a link to a PCI function), so it has no SR-IOV virtual functions")
        }
        guard let total = readInteger("\(device)/sriov_totalvfs") else {
            throw PatchbayError(.invalidArgument, "'\(pf)' (\(pfAddress)) has no SR-IOV capability: \(device)/sriov_totalvfs is missing")
        }
        let enabled = readInteger("\(device)/sriov_numvfs") ?? 0
        guard enabled > 0 else {
            throw PatchbayError(.operationInvalid,
                                "'\(pf)' (\(pfAddress)) has no virtual functions enabled (sriov_numvfs is 0, at most \(total)): enable them with `echo N > /sys/class/net/\(pf)/device/sriov_numvfs`")
        }
        let numbers = SRIOVSysfs.virtfnNumbers(entries(device))
        guard !numbers.isEmpty else {
            throw PatchbayError(.operationInvalid, "'\(pf)' (\(pfAddress)) reports \(enabled) virtual functions but has no virtfnN links under \(device)")
        }
        var result: [VirtualFunction] = []
        for number in numbers {
            let link = "\(device)/virtfn\(number)"
            guard let name = linkBasename(link), let address = PCIAddress(sysfsName: name) else {
                throw PatchbayError(.internal, "\(link) does not point at a PCI function")
            }
            result.append(VirtualFunction(pf: pf, number: number, address: address, netdev: netdev(inPCIDirectory: link),
                                          driver: linkBasename("\(link)/driver")))
        }
        return result
    }

    /// The VF at `address` with its PF and number: the `physfn` link, the PF's netdev, and the
    /// PF's `virtfnN` link that points back at the VF.
    public func virtualFunction(at address: PCIAddress) throws(PatchbayError) -> VirtualFunction {
        let path = devicePath(address)
        guard exists(path) else {
            throw PatchbayError(.notFound, "no PCI device \(address) (no \(path))")
        }
        guard let pfName = linkBasename("\(path)/physfn") else {
            throw PatchbayError(.invalidArgument, "PCI device \(address) is not an SR-IOV virtual function (\(path)/physfn is missing)")
        }
        let pfPath = "\(path)/physfn"
        guard let pf = netdev(inPCIDirectory: pfPath) else {
            throw PatchbayError(.operationInvalid, "the PF \(pfName) of \(address) has no network device (no \(pfPath)/net/*): its network driver is not bound")
        }
        for number in SRIOVSysfs.virtfnNumbers(entries(pfPath)) where linkBasename("\(pfPath)/virtfn\(number)") == address.description {
            return VirtualFunction(pf: pf, number: number, address: address, netdev: netdev(inPCIDirectory: path),
                                   driver: linkBasename("\(path)/driver"))
        }
        throw PatchbayError(.notFound, "the PF \(pf) (\(pfName)) has no virtfnN link to \(address)")
    }

    /// The numbers N of `virtfnN` names, ascending (libvirt walks virtfn0, virtfn1, … in order).
    static func virtfnNumbers(_ names: [String]) -> [UInt32] {
        names.compactMap { name -> UInt32? in
            guard name.hasPrefix("virtfn") else { return nil }
            let digits = name.dropFirst("virtfn".count)
            guard !digits.isEmpty, digits.allSatisfy(\.isNumber) else { return nil }
            return UInt32(digits)
        }.sorted()
    }

    // MARK: binding

    /// Binds the VF to `driver` (vfio-pci or a VFIO variant driver) as virPCIDeviceBindToStub
    /// does, and returns whether it did (false: it was bound to it already, and is not given
    /// back later). Refuses when the driver is not loaded (Patchbay does not load modules).
    public func bind(_ address: PCIAddress, to driver: String = SRIOVSysfs.vfioDriver) throws(PatchbayError) -> Bool {
        let path = devicePath(address)
        guard exists(path) else { throw PatchbayError(.notFound, "no PCI device \(address) (no \(path))") }
        let driverDirectory = "\(root)/bus/pci/drivers/\(driver)"
        guard exists(driverDirectory) else {
            throw PatchbayError(.unavailable, "cannot bind \(address) to \(driver): the \(driver) driver is not loaded (no \(driverDirectory)); load it with `modprobe \(driver == SRIOVSysfs.vfioDriver ? "vfio-pci" : driver)`")
        }
        let current = linkBasename("\(path)/driver")
        if current == driver { return false }
        try write("\(path)/driver_override", driver)
        if current != nil { try write("\(path)/driver/unbind", address.description) }
        try write("\(root)/bus/pci/drivers_probe", address.description)
        let now = linkBasename("\(path)/driver")
        guard now == driver else {
            throw PatchbayError(.kernel, "cannot bind \(address) to \(driver): after the probe it is bound to \(now ?? "no driver")",
                                cause: driver.hasPrefix("vfio") ? "vfio needs the IOMMU (intel_iommu=on or amd_iommu=on, and the VF in an IOMMU group of its own); see dmesg" : "see dmesg")
        }
        return true
    }

    /// Gives the VF back to its own driver as virPCIDeviceUnbindFromStub does: clear
    /// `driver_override`, unbind from the stub, probe. Nothing to do for a VF no longer on `stub`.
    public func giveBack(_ address: PCIAddress, from stub: String = SRIOVSysfs.vfioDriver) throws(PatchbayError) {
        let path = devicePath(address)
        guard exists(path) else { throw PatchbayError(.notFound, "no PCI device \(address) to give back (no \(path))") }
        try write("\(path)/driver_override", "\n")
        guard linkBasename("\(path)/driver") == stub else { return }
        try write("\(path)/driver/unbind", address.description)
        try write("\(root)/bus/pci/drivers_probe", address.description)
        if linkBasename("\(path)/driver") == stub {
            throw PatchbayError(.kernel, "cannot give \(address) back: it is still bound to \(stub) after the probe")
        }
    }

    // MARK: files

    public func devicePath(_ address: PCIAddress) -> String { "\(root)/bus/pci/devices/\(address)" }

    /// The first entry of `DIR/net/` (the VF's or PF's network device), nil while none.
    func netdev(inPCIDirectory directory: String) -> String? {
        entries("\(directory)/net").sorted().first
    }

    private func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    private func entries(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// The basename of a symlink's target, nil when `path` is not a symlink.
    private func linkBasename(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    private func readInteger(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.filter { !$0.isWhitespace })
    }

    /// One write(2) to an existing attribute, as virFileWriteStr does (no O_CREAT: a missing
    /// attribute is an error, not a new file).
    static func writeAttribute(_ path: String, _ value: String) throws(PatchbayError) {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw PatchbayError(.kernel, "cannot write '\(value.filter { $0 != "\n" })' to \(path)", cause: String(cString: strerror(code)))
        }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            let code = errno
            throw PatchbayError(.kernel, "cannot write '\(value.filter { $0 != "\n" })' to \(path)", cause: String(cString: strerror(code)))
        }
    }
}
