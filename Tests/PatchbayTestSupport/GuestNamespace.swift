import Foundation

extension DaemonHarness {
    /// A guest: a namespace of its own joined to `bridge` (inside the daemon's namespace) by a
    /// veth pair, its end named eth0 with `mac`. Waits until the bridge forwards on the port, so
    /// the first packets are not eaten by STP listening/learning. The namespace is deleted after
    /// `body`, whatever happens.
    public func withGuest<T>(on bridge: String, mac: String, _ body: (TestNamespace) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbg") { guest in
            let port = "v" + guest.name.suffix(10)
            try Command.check("ip", ["-n", namespace.name, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                                     "netns", guest.name])
            try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "address", mac, "up"])
            try Command.check("ip", ["-n", namespace.name, "link", "set", port, "master", bridge, "up"])
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline {
                let state = try Command.run("bridge", ["-n", namespace.name, "-j", "link", "show", "dev", port])
                if state.stdout.contains("\"forwarding\"") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return try await body(guest)
        }
    }
}
