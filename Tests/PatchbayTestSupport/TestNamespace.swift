import Foundation

/// A network namespace that belongs to one test. Every kernel-facing test makes its own, with a
/// unique name, and deletes it when it ends, failed or not (`TestNamespace.with`). Deleting the
/// namespace takes every device inside it along, so nothing a test creates can leak to the host.
public final class TestNamespace: Sendable {
    public let name: String

    /// The file that names the namespace, for setns(2) and IFLA_NET_NS_FD.
    public var path: String { "/run/netns/\(name)" }

    public init(prefix: String = "pbt") throws {
        guard geteuid() == 0 else {
            throw HarnessError("this test needs root: it creates network namespaces and runs patchbayd in them (run `make test` as root, as CI does; `swift test --skip PatchbayIntegrationTests --skip NetlinkTests` runs the rest)")
        }
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        name = "\(prefix)-\(suffix)"
        try Command.check("ip", ["netns", "add", name])
        do {
            try Command.check("ip", ["-n", name, "link", "set", "lo", "up"])
        } catch {
            delete()
            throw error
        }
    }

    /// Creates a namespace, runs `body`, and deletes the namespace whatever happens.
    public static func with<T>(prefix: String = "pbt", _ body: (TestNamespace) async throws -> T) async throws -> T {
        let namespace = try TestNamespace(prefix: prefix)
        defer { namespace.delete() }
        return try await body(namespace)
    }

    /// Runs a program inside the namespace (`ip netns exec NAME ...`).
    @discardableResult
    public func exec(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        try Command.run("ip", ["netns", "exec", name] + arguments, environment: environment)
    }

    /// `ip -n NAME -j ARGS`, decoded: how tests read back what Patchbay did, independently of
    /// Patchbay's own netlink code.
    public func ipJSON(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Command.check("ip", ["-n", name, "-j"] + arguments)
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return [] }
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
    }

    /// `ip -j -d link show dev NAME` in the namespace, or nil when the device does not exist.
    public func link(_ device: String) throws -> [String: Any]? {
        let result = try Command.run("ip", ["-n", name, "-j", "-d", "link", "show", "dev", device])
        guard result.succeeded else { return nil }
        let objects = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return objects?.first
    }

    /// The port state `bridge -j link show dev NAME` reports ("forwarding", "disabled",
    /// "listening", ...), nil when the device is not a bridge port.
    public func bridgePortState(_ device: String) throws -> String? {
        let result = try Command.run("bridge", ["-n", name, "-j", "link", "show", "dev", device])
        guard result.succeeded, !result.stdout.isEmpty else { return nil }
        let objects = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return objects?.first?["state"] as? String
    }

    /// The `addr_info` entries of `ip -j addr show dev NAME` as "address/prefix" strings.
    public func addresses(_ device: String) throws -> [String] {
        let objects = try ipJSON(["addr", "show", "dev", device])
        return objects.flatMap { ($0["addr_info"] as? [[String: Any]]) ?? [] }.compactMap { info in
            guard let local = info["local"] as? String, let prefix = info["prefixlen"] as? Int else { return nil }
            return "\(local)/\(prefix)"
        }
    }

    /// Kills anything still running inside and removes the namespace. Safe to call twice.
    public func delete() {
        if let pids = try? Command.run("ip", ["netns", "pids", name]), pids.succeeded {
            for pid in pids.stdout.split(whereSeparator: \.isNewline).compactMap({ pid_t($0) }) {
                kill(pid, SIGKILL)
            }
        }
        _ = try? Command.run("ip", ["netns", "del", name])
    }
}
