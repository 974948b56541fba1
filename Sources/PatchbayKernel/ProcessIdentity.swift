import Glibc

/// A process named for good: its pid and when it started. A pid alone is reused once the process
/// exits, and the start time (field 22 of /proc/PID/stat, clock ticks since boot) tells the new
/// holder of the number from the old one.
public enum ProcessIdentity {
    /// nil when there is no process `pid` (or /proc cannot say).
    public static func startTime(_ pid: Int32, proc: String = "/proc") -> UInt64? {
        // Field 3 (state) is the first after the comm, so field 22 is the 20th.
        guard let fields = statFields(pid, proc: proc), fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    /// The parent of `pid` (field 4), nil when there is no such process.
    public static func parentPID(_ pid: Int32, proc: String = "/proc") -> Int32? {
        guard let fields = statFields(pid, proc: proc), fields.count > 1 else { return nil }
        return Int32(String(decoding: fields[1], as: UTF8.self))
    }

    private static func statFields(_ pid: Int32, proc: String) -> [ArraySlice<UInt8>]? {
        let fd = open("\(proc)/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return fields(buffer[0..<count])
    }

    /// The fields after the comm, field 3 (state) first. The comm (field 2) is in parentheses and
    /// may itself hold spaces and ')', so the fields are counted from the last ')'.
    static func fields(_ stat: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        return stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    }
}
