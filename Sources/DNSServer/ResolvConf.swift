import PatchbayModel

/// The `nameserver` lines of a resolv.conf (resolv.conf(5)): where names go that no network
/// answers itself and for which its XML names no forwarder, as dnsmasq does without `no-resolv`.
public enum ResolvConf {
    /// The servers in `text`, in order; lines that are not a valid `nameserver ADDRESS` are skipped
    /// (resolv.conf(5) says the resolver ignores what it cannot read, and so does this). An IPv6
    /// link-local address with a zone (`fe80::1%eth0`) cannot be reached from a network's socket
    /// and is skipped too.
    public static func nameservers(in text: String) -> [DNSUpstream] {
        var servers: [DNSUpstream] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver", let address = IPAddress(fields[1]) else { continue }
            servers.append(DNSUpstream(address: address))
        }
        return servers
    }
}
