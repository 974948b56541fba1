/// `patchbay tune`: what to do.
public enum TuneAction: String, Sendable, Hashable, Codable {
    /// Read and advise; change nothing.
    case check
    /// Write the advised values that can be written (sysctls), recording what they were.
    case apply
    /// Write back what the last applies recorded, and forget the record.
    case undo
}

/// One check's verdict.
public enum TuneStatus: String, Sendable, Hashable, Codable {
    /// The current value is what is recommended (or better).
    case ok
    /// Something to change; `applicable` says whether `--apply` does it.
    case advice
    /// Worth knowing, but the right value depends on what Patchbay cannot see (a guest's vCPUs).
    case info
    /// Not present here (a global sysctl seen from a child namespace, a driver without rings).
    case unavailable
}

/// One line of `patchbay tune`.
public struct TuneCheck: Sendable, Hashable, Codable {
    /// `sysctl net.core.rmem_max`, `offload gro pbbr0`, `vhost-net`, …
    public var name: String
    public var current: String
    public var recommended: String
    public var why: String
    public var status: TuneStatus
    /// Whether `--apply` writes `recommended` (only sysctls do).
    public var applicable: Bool
    /// The sysctl key (`net.core.rmem_max`) an applicable check writes.
    public var key: String?

    public init(name: String, current: String, recommended: String, why: String, status: TuneStatus,
                applicable: Bool = false, key: String? = nil) {
        self.name = name
        self.current = current
        self.recommended = recommended
        self.why = why
        self.status = status
        self.applicable = applicable
        self.key = key
    }
}

/// One sysctl written: by `--apply` (`previous` is what it held) or `--undo` (`value` is what
/// was restored).
public struct TuneChange: Sendable, Hashable, Codable {
    public var key: String
    public var previous: String
    public var value: String
    /// Set when the kernel refused the write (then nothing changed and nothing is recorded):
    /// some keys exist in every namespace but only the host's first one may set them.
    public var failure: String?

    public init(key: String, previous: String, value: String, failure: String? = nil) {
        self.key = key
        self.previous = previous
        self.value = value
        self.failure = failure
    }
}

/// `GET /v1/tune`, `POST /v1/tune/apply` and `/v1/tune/undo`'s answer: the checks as they are
/// after the action, and what the action wrote.
public struct TuneReport: Sendable, Hashable, Codable {
    public var action: TuneAction
    public var checks: [TuneCheck]
    public var changes: [TuneChange]
    /// Where the values to undo are kept (the daemon's state directory).
    public var undoRecord: String

    public init(action: TuneAction, checks: [TuneCheck], changes: [TuneChange], undoRecord: String) {
        self.action = action
        self.checks = checks
        self.changes = changes
        self.undoRecord = undoRecord
    }
}
