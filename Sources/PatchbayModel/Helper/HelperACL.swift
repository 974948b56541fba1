/// Who may attach guests to which network through `patchbay-bridge-helper`: the same idea as
/// QEMU's `/etc/qemu/bridge.conf`, but per user, since the daemon (not a setuid helper) does the
/// privileged part and knows who asks (SO_PEERCRED). Denied unless a rule allows it; root may
/// always.
///
/// One rule per line, the first that matches decides; `#` starts a comment:
///
///     allow default group kvm
///     allow lab user alice
///     deny  lab uid 1001
///     allow all everyone
///
/// The network is a network's name or `all`; the subject is `user NAME`, `uid N`, `group NAME`,
/// `gid N` (the caller's primary or any supplementary group) or `everyone`.
public struct HelperACL: Sendable, Hashable {
    public enum Verdict: String, Sendable, Hashable { case allow, deny }

    public enum Subject: Sendable, Hashable {
        case user(String), uid(UInt32), group(String), gid(UInt32), everyone
    }

    public struct Rule: Sendable, Hashable {
        public var verdict: Verdict
        /// nil: every network (`all`).
        public var network: String?
        public var subject: Subject
        public var line: Int
    }

    /// The caller, as the kernel reported it, with names resolved by the daemon.
    public struct Caller: Sendable, Hashable {
        public var uid: UInt32
        public var gids: Set<UInt32>
        public var userName: String?
        public var groupNames: Set<String>

        public init(uid: UInt32, gids: Set<UInt32>, userName: String?, groupNames: Set<String>) {
            self.uid = uid
            self.gids = gids
            self.userName = userName
            self.groupNames = groupNames
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) { self.rules = rules }

    /// Reads the file's text; a line it cannot read is an error naming the line, so a typo never
    /// silently grants or denies.
    public init(parsing text: String, source: String = "the helper ACL") throws(PatchbayError) {
        rules = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard !words.isEmpty else { continue }
            let number = offset + 1
            func fail(_ why: String) -> PatchbayError {
                PatchbayError(.invalidArgument, "\(source), line \(number): \(why)")
            }
            guard let verdict = Verdict(rawValue: words[0]) else { throw fail("'\(words[0])' is not allow or deny") }
            guard words.count >= 3 else { throw fail("expected '\(words[0]) NETWORK SUBJECT'") }
            let network = words[1] == "all" ? nil : words[1]
            let subject: Subject
            switch (words[2], words.count) {
            case ("everyone", 3): subject = .everyone
            case ("user", 4): subject = .user(words[3])
            case ("group", 4): subject = .group(words[3])
            case ("uid", 4):
                guard let id = UInt32(words[3]) else { throw fail("'\(words[3])' is not a uid") }
                subject = .uid(id)
            case ("gid", 4):
                guard let id = UInt32(words[3]) else { throw fail("'\(words[3])' is not a gid") }
                subject = .gid(id)
            default:
                throw fail("expected everyone, user NAME, uid N, group NAME or gid N after the network")
            }
            rules.append(Rule(verdict: verdict, network: network, subject: subject, line: number))
        }
    }

    /// Whether `caller` may attach to `network`, and the rule that decided (nil: the default).
    public func decide(_ caller: Caller, network: String) -> (allowed: Bool, rule: Rule?) {
        if caller.uid == 0 { return (true, nil) }
        for rule in rules where rule.network == nil || rule.network == network {
            let matches: Bool = switch rule.subject {
            case .everyone: true
            case .user(let name): caller.userName == name
            case .uid(let id): caller.uid == id
            case .group(let name): caller.groupNames.contains(name)
            case .gid(let id): caller.gids.contains(id)
            }
            if matches { return (rule.verdict == .allow, rule) }
        }
        return (false, nil)
    }
}

/// The bridge helper's request to the daemon (one JSON line on the helper socket), and the
/// answer (one JSON line, with the TAP's descriptor attached when it succeeded).
public struct HelperRequest: Sendable, Hashable, Codable {
    public var bridge: String
    public var vnetHeader: Bool
    /// From QEMU's command line: what `domiflist` shows, never what decides.
    public var owner: String?
    public var mac: MACAddress?

    public init(bridge: String, vnetHeader: Bool, owner: String?, mac: MACAddress?) {
        self.bridge = bridge
        self.vnetHeader = vnetHeader
        self.owner = owner
        self.mac = mac
    }
}

public struct HelperResponse: Sendable, Hashable, Codable {
    public var device: String?
    public var error: PatchbayError?

    public init(device: String?, error: PatchbayError?) {
        self.device = device
        self.error = error
    }
}
