import Foundation

extension TestNamespace {
    /// Starts busybox httpd on `address:port` inside this namespace, serving `/cgi-bin/ip`, which
    /// answers with the address the request came from: how a test sees whether NAT rewrote it.
    /// The server ends with the namespace.
    public func serveHTTP(address: String, port: Int, directory: String) throws {
        let root = directory + "/www-\(name)-\(port)"
        try FileManager.default.createDirectory(atPath: root + "/cgi-bin", withIntermediateDirectories: true)
        let script = root + "/cgi-bin/ip"
        try "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"$REMOTE_ADDR\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        _ = try ChildProcess("ip", ["netns", "exec", name, "busybox", "httpd", "-f", "-p", "\(address):\(port)", "-h", root])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try exec(["curl", "-s", "-m", "1", "http://\(address):\(port)/cgi-bin/ip"]).succeeded { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("busybox httpd did not answer on \(address):\(port) in \(name)")
    }

    /// `curl` from this namespace: the body, or nil when the request failed.
    public func fetch(_ url: String, seconds: Int = 3) throws -> String? {
        let result = try exec(["curl", "-s", "-m", "\(seconds)", url])
        return result.succeeded ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Gives a guest a static address and a default route through `gateway`.
    public func configure(address: String, gateway: String, device: String = "eth0") throws {
        try Command.check("ip", ["-n", name, "addr", "add", address, "dev", device])
        try Command.check("ip", ["-n", name, "route", "add", "default", "via", gateway])
    }

    /// `nft list ruleset` inside this namespace.
    public func nftRuleset() throws -> String {
        try Command.check("ip", ["netns", "exec", name, "nft", "list", "ruleset"]).stdout
    }
}
