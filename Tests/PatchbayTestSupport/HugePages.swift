import Foundation

/// 2 MiB hugepages for a test's OVS-DPDK, and a hugetlbfs mount of the test's own: reserved on
/// top of what the host had, and given back (pages and mount) when the test ends.
public final class HugePages: Sendable {
    static let count = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
    public let directory: String
    let before: Int

    public init(pages: Int, directory: String) throws {
        guard let text = try? String(contentsOfFile: Self.count, encoding: .utf8), let current = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("this test needs 2 MiB hugepages (\(Self.count) is missing)")
        }
        before = current
        self.directory = directory
        try "\(current + pages)\n".write(toFile: Self.count, atomically: false, encoding: .utf8)
        let now = Int(((try? String(contentsOfFile: Self.count, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        guard now >= current + pages else {
            try? "\(current)\n".write(toFile: Self.count, atomically: false, encoding: .utf8)
            throw HarnessError("could reserve only \(now - current) of \(pages) hugepages")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Command.check("mount", ["-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", directory])
    }

    public func release() {
        _ = try? Command.run("umount", [directory])
        try? FileManager.default.removeItem(atPath: directory)
        try? "\(before)\n".write(toFile: Self.count, atomically: false, encoding: .utf8)
    }
}
