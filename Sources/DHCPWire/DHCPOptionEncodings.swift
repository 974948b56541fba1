import PatchbayModel

/// Encoders for the options whose value is more than a scalar.
public enum DHCPOptionEncodings {
    /// Option 119, Domain Search (RFC 3397 §2): names in DNS wire format, with RFC 1035 §4.1.4
    /// compression pointers relative to the start of the option value.
    public static func domainSearch(_ domains: [String]) -> [UInt8] {
        var out: [UInt8] = []
        var offsets: [String: Int] = [:]
        for domain in domains {
            var labels = domain.split(separator: ".").map(String.init)
            while !labels.isEmpty {
                let suffix = labels.joined(separator: ".").lowercased()
                if let pointer = offsets[suffix], pointer < 0x3FFF {
                    out += [UInt8(0xC0 | pointer >> 8), UInt8(pointer & 0xFF)]
                    break
                }
                offsets[suffix] = out.count
                let label = Array(labels.removeFirst().utf8.prefix(63))
                out.append(UInt8(label.count))
                out += label
                if labels.isEmpty { out.append(0) }
            }
        }
        return out
    }

    /// Option 121, Classless Static Route (RFC 3442 §2): for each route, the prefix length, the
    /// significant octets of the destination, then the router.
    public static func classlessStaticRoutes(_ routes: [(destination: IPv4Address, prefixLength: Int, router: IPv4Address)]) -> [UInt8] {
        var out: [UInt8] = []
        for route in routes {
            let significant = (route.prefixLength + 7) / 8
            out.append(UInt8(route.prefixLength))
            out += route.destination.bytes.prefix(significant)
            out += route.router.bytes
        }
        return out
    }
}
