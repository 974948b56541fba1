/// What the doctor found on the host, gathered by the daemon (store, kernel, probes) and judged
/// by `DoctorRules`, which reads nothing else: every rule is a function of these facts.
public struct DoctorFacts: Sendable, Hashable {
    public var networks: [NetworkFacts] = []
    /// /proc/sys/net/ipv4/ip_forward; nil when unreadable.
    public var ipv4Forwarding: Bool?
    /// /proc/sys/net/bridge/bridge-nf-call-iptables; nil when br_netfilter is not loaded.
    public var bridgeNFCallIptables: Bool?
    /// The default IPv4 route's device, nil when there is none.
    public var defaultRouteDevice: String?
    public var foreignDrops: [ForeignDrop] = []
    /// Whether Patchbay opens foreign dropping chains for its bridges (on unless
    /// `--no-firewall-coexistence`).
    public var firewallCoexistence = true
    public var dnsUpstreams: [DNSUpstream] = []
    /// MAC moves the event stream reported recently (`fdb-moved`).
    public var recentMoves: [PatchbayEvent] = []
    /// Whether the kernel was read and probed at all: without it the host's checks say so
    /// instead of reporting what they could not see as missing.
    public var probed = true

    public init() {}

    /// A base chain of another program on the forward hook that drops what it does not know.
    public struct ForeignDrop: Sendable, Hashable {
        public var chain: String
        public var reason: String
        /// The bridges Patchbay has opened it for.
        public var openedFor: Set<String>
        public init(chain: String, reason: String, openedFor: Set<String>) {
            self.chain = chain
            self.reason = reason
            self.openedFor = openedFor
        }
    }

    public struct DNSUpstream: Sendable, Hashable {
        public var address: String
        /// nil: answered; else why not ("no route to host", "timed out").
        public var failure: String?
        /// The address is one Patchbay's own DNS servers listen on: queries would loop.
        public var isOwn: Bool
        public init(address: String, failure: String?, isOwn: Bool) {
            self.address = address
            self.failure = failure
            self.isOwn = isOwn
        }
    }

    public struct NetworkFacts: Sendable, Hashable {
        public var name: String
        public var forwardMode: ForwardMode
        public var active: Bool
        public var bridge: String?
        public var bridgeMTU: Int?
        /// `<mtu size>`, else 1500: what the bridge and every port should have. (A Linux bridge
        /// takes its smallest port's MTU, so a port set lower drags the bridge down with it.)
        public var expectedMTU = 1500
        public var bridgeUp: Bool?
        /// `<forward dev=...>`, with what the kernel says of it (nil: no such device).
        public var forwardDevice: String?
        public var forwardDeviceUp: Bool?
        public var forwardDeviceMTU: Int?
        public var servesDHCP = false
        public var poolSize = 0
        public var leases = 0
        /// nil: not probed; else whether a DISCOVER through a temporary port got an OFFER.
        public var dhcpAnswered: Bool?
        public var dhcpProbeDetail: String?
        public var ports: [PortFacts] = []
        /// Addresses more than one MAC answered an ARP probe for.
        public var duplicates: [Duplicate] = []
        /// VLAN ids the network's definition and portgroups give ports.
        public var definedVLANs: Set<Int> = []
        /// Whether the kernel can filter VLANs on bridges (nil: not asked).
        public var vlanFiltering: Bool?

        public init(name: String, forwardMode: ForwardMode, active: Bool) {
            self.name = name
            self.forwardMode = forwardMode
            self.active = active
        }
    }

    public struct PortFacts: Sendable, Hashable {
        public var device: String
        public var owner: String
        public var mac: String
        public var isUplink = false
        /// nil: the device is gone.
        public var carrier: Bool?
        public var mtu: Int?
        /// The bridge port state (`forwarding`, `disabled`, `blocking`, `listening`, `learning`).
        public var bridgeState: String?
        public var hasLease = false
        public var vlans: Set<Int> = []

        public init(device: String, owner: String, mac: String) {
            self.device = device
            self.owner = owner
            self.mac = mac
        }
    }

    public struct Duplicate: Sendable, Hashable {
        public var ip: String
        public var macs: [String]
        public init(ip: String, macs: [String]) {
            self.ip = ip
            self.macs = macs
        }
    }
}
