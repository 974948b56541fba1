import CPatchbay
import Foundation
import Glibc
import PatchbayEngine
import PatchbayIO
import PatchbayModel

/// `HostTuning` on the kernel: sysctls read and written under /proc/sys by a thread of the
/// daemon's own network namespace (net.* keys answer for the namespace of whoever opens them,
/// so a daemon in a test's namespace tunes that namespace only), /dev/vhost-net, and SIOCETHTOOL
/// reads. Applied values are recorded before they are written, in `tune-undo.json` in the state
/// directory, so an undo after a crash midway still restores them.
public final class KernelTuning: HostTuning {
    private let thread = IOThread(name: "patchbay-tune")
    public let undoRecordPath: String

    public init(stateDirectory: String) {
        undoRecordPath = stateDirectory + "/tune-undo.json"
    }

    // ETHTOOL_G* legacy commands (linux/ethtool.h), each answering an ethtool_value.
    static let offloadCommands: [(name: String, command: UInt32)] = [
        ("tso", 0x1e),  // ETHTOOL_GTSO
        ("gso", 0x23),  // ETHTOOL_GGSO
        ("gro", 0x2b),  // ETHTOOL_GGRO
        ("sg", 0x18),  // ETHTOOL_GSG
        ("tx-checksum", 0x16),  // ETHTOOL_GTXCSUM
    ]

    public func read(devices: [(name: String, role: TuneReadings.DeviceReading.Role, network: String)],
                     taps: [TuneReadings.TapQueues]) async throws(PatchbayError) -> TuneReadings {
        let devices = devices.map { DeviceName(name: $0.name, role: $0.role, network: $0.network) }
        return await thread.run { () -> TuneReadings in
            var sysctls: [String: String?] = [:]
            for rule in TuneAdvisor.sysctls { sysctls[rule.key] = Self.readSysctl(rule.key) }
            let readings = devices.map { device -> TuneReadings.DeviceReading in
                var offloads: [String: Bool] = [:]
                for (name, command) in Self.offloadCommands {
                    var value: UInt32 = 0
                    if cpatchbay_ethtool_value(device.name, command, &value) == 0 { offloads[name] = value != 0 }
                }
                var driver = [CChar](repeating: 0, count: 64)
                let hasDriver = cpatchbay_ethtool_driver(device.name, &driver, driver.count) == 0
                var rings = [UInt32](repeating: 0, count: 4), channels = [UInt32](repeating: 0, count: 6)
                let hasRings = cpatchbay_ethtool_rings(device.name, &rings) == 0 && (rings[1] > 0 || rings[3] > 0)
                let hasChannels = cpatchbay_ethtool_channels(device.name, &channels) == 0
                return TuneReadings.DeviceReading(
                    name: device.name, role: device.role, network: device.network,
                    driver: hasDriver ? String(decoding: driver.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil,
                    offloads: offloads,
                    rings: hasRings ? TuneReadings.Rings(rx: rings[0], rxMax: rings[1], tx: rings[2], txMax: rings[3]) : nil,
                    channels: hasChannels ? TuneReadings.Channels(combined: channels[0], combinedMax: channels[1], rx: channels[2],
                                                                  rxMax: channels[3], tx: channels[4], txMax: channels[5]) : nil)
            }
            return TuneReadings(sysctls: sysctls, vhostNet: access("/dev/vhost-net", F_OK) == 0, taps: taps, devices: readings)
        }
    }

    public func apply(_ changes: [TuneChange]) async throws(PatchbayError) -> [TuneChange] {
        let path = undoRecordPath
        return try await thread.run { () throws(PatchbayError) -> [TuneChange] in
            var record = try Self.loadRecord(path)
            var done: [TuneChange] = []
            for change in changes {
                guard let previous = Self.readSysctl(change.key) else {
                    done.append(TuneChange(key: change.key, previous: "-", value: change.value, failure: "no such key in this network namespace"))
                    continue
                }
                // Recorded before the write: a crash right after it still leaves the way back.
                let firstChange = !record.contains { $0.key == change.key }
                if firstChange {
                    record.append(TuneChange(key: change.key, previous: previous, value: change.value))
                    try Self.saveRecord(record, path)
                }
                if let failure = Self.writeSysctl(change.key, change.value) {
                    if firstChange {
                        record.removeAll { $0.key == change.key }
                        try Self.saveRecord(record, path)
                    }
                    done.append(TuneChange(key: change.key, previous: previous, value: change.value, failure: failure))
                } else {
                    done.append(TuneChange(key: change.key, previous: previous, value: Self.readSysctl(change.key) ?? change.value))
                }
            }
            return done
        }
    }

    public func undo() async throws(PatchbayError) -> [TuneChange] {
        let path = undoRecordPath
        return try await thread.run { () throws(PatchbayError) -> [TuneChange] in
            let record = try Self.loadRecord(path)
            var done: [TuneChange] = []
            var kept: [TuneChange] = []
            for entry in record.reversed() {
                let current = Self.readSysctl(entry.key) ?? "-"
                if let failure = Self.writeSysctl(entry.key, entry.previous) {
                    kept.insert(entry, at: 0)
                    done.append(TuneChange(key: entry.key, previous: current, value: entry.previous, failure: failure))
                } else {
                    done.append(TuneChange(key: entry.key, previous: current, value: entry.previous))
                }
            }
            // What could not be restored stays recorded for the next undo.
            if kept.isEmpty { unlink(path) } else { try Self.saveRecord(kept, path) }
            return done
        }
    }

    private struct DeviceName: Sendable {
        var name: String
        var role: TuneReadings.DeviceReading.Role
        var network: String
    }

    /// `sysctl -n KEY`, white space between numbers made single spaces; nil when the key does
    /// not exist in this namespace.
    static func readSysctl(_ key: String) -> String? {
        let fd = open("/proc/sys/" + key.replacingOccurrences(of: ".", with: "/"), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .joined(separator: " ")
    }

    /// `sysctl -w KEY=VALUE`; nil on success, else the kernel's refusal.
    static func writeSysctl(_ key: String, _ value: String) -> String? {
        let fd = open("/proc/sys/" + key.replacingOccurrences(of: ".", with: "/"), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot open: " + String(cString: strerror(errno)) }
        defer { close(fd) }
        let bytes = Array((value.replacingOccurrences(of: " ", with: "\t") + "\n").utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else {
            let e = errno
            return "the kernel refused it: " + String(cString: strerror(e)) + (e == EINVAL || e == EPERM ? " (some keys may be set from the host's first network namespace only)" : "")
        }
        return nil
    }

    static func loadRecord(_ path: String) throws(PatchbayError) -> [TuneChange] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do { return try JSONDecoder().decode([TuneChange].self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw PatchbayError(.storage, "cannot read the tuning undo record \(path)", cause: "\(error)")
        }
    }

    /// Written to a temporary file and renamed, so the record is always whole.
    static func saveRecord(_ record: [TuneChange], _ path: String) throws(PatchbayError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(record).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PatchbayError(.storage, "cannot write the tuning undo record \(path)", cause: "\(error)")
        }
    }
}
