/// One row of `patchbay doctor`: what was checked, what was found, and when something is wrong
/// its likely cause and the fix, as the seed's troubleshooting table has them.
public struct DoctorCheck: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, Comparable {
        case ok, skipped, warning, error

        var rank: Int { [.ok: 0, .skipped: 1, .warning: 2, .error: 3][self] ?? 0 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// Stable, for scripts: `ip-forwarding`, `port-carrier`, ...
    public var id: String
    /// The network it is about; nil for the host's own checks.
    public var network: String?
    public var status: Status
    public var checked: String
    public var found: String
    public var cause: String?
    public var fix: String?

    public init(id: String, network: String? = nil, status: Status, checked: String, found: String, cause: String? = nil,
                fix: String? = nil) {
        self.id = id
        self.network = network
        self.status = status
        self.checked = checked
        self.found = found
        self.cause = cause
        self.fix = fix
    }
}

/// The whole report, and the exit status scripts can trust: 0 when nothing is wrong, 3 when
/// something is (an error), 4 when there are only warnings.
public struct DoctorReport: Sendable, Hashable, Codable {
    public var checks: [DoctorCheck]

    public init(checks: [DoctorCheck]) { self.checks = checks }

    public var worst: DoctorCheck.Status { checks.map(\.status).max() ?? .ok }
    public var problems: [DoctorCheck] { checks.filter { $0.status >= .warning } }

    public var exitCode: Int32 {
        switch worst {
        case .error: 3
        case .warning: 4
        default: 0
        }
    }
}
