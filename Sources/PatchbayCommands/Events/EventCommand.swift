import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayClient
import PatchbayModel

/// virsh `net-event`: waits for an event and prints it (`--loop`: every event until interrupted
/// or `--timeout`), "event 'lifecycle' for network NAME: Started" for network life-cycle events as
/// virsh prints them, Patchbay's own types for the rest.
struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Wait for events (virsh net-event): networks, ports, leases, FDB, loops, firewall.",
        aliases: ["net-event"])

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only events of this network.") var network: String?
    @Option(name: [.long, .customLong("event")], parsing: .singleValue,
            help: "Only events of this type or category (repeatable or comma-separated; see --list).") var type: [String] = []
    @Flag(help: "Print every event until interrupted (or --timeout), not only the first.") var loop = false
    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds")) var timeout: Double?
    @Option(help: ArgumentHelp("Start after this event id (0: every event the daemon still holds), not from now.", valueName: "id"))
    var since: UInt64?
    @Flag(help: "Print each event's local time first, as virsh's --timestamp does.") var timestamp = false
    @Flag(help: "Print each event as one line of JSON (its id is the cursor for --since).") var json = false
    @Flag(help: "List the event types and exit.") var list = false

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a number of seconds above 0") }
        do { _ = try EventFilter(network: network, typeWords: type) } catch { throw ValidationError(error.message) }
    }

    func run() async throws {
        if list {
            for type in EventType.allCases { print(type.rawValue) }
            return
        }
        var received = 0
        let wanted = loop ? nil : 1
        let json = self.json, timestamp = self.timestamp
        try connection.client.followEvents(since: since, network: network, types: type, limit: wanted, timeout: timeout) { item in
            switch item {
            case .event(let event):
                received += 1
                POSIXIO.writeLine(json ? EventText.json(event) : (timestamp ? EventText.time(event.time) + ": " : "") + EventText.virshLine(event))
            case .dropped(let marker):
                if json {
                    POSIXIO.writeLine(#"{"dropped":\#(marker.missed),"cursor":\#(marker.cursor)}"#)
                } else {
                    POSIXIO.writeLine("events dropped: \(marker.missed) events were no longer held by the daemon (resume from id \(marker.cursor))")
                }
            }
            return wanted.map { received < $0 } ?? true
        }
        if !json { POSIXIO.writeLine("events received: \(received)") }
    }
}

/// `bridge monitor fdb` and `ip monitor link` with Patchbay's names: the FDB or link events of
/// the stream, one line each, until interrupted.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Follow FDB or link changes of Patchbay's bridges and ports (bridge monitor fdb, ip monitor link).")

    enum Object: String, ExpressibleByArgument, CaseIterable {
        case fdb, link
    }

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "fdb or link.") var object: Object
    @Option(help: "Only this network.") var network: String?
    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds")) var timeout: Double?
    @Flag(help: "Print each change as one line of JSON.") var json = false

    func run() async throws {
        let types: [String]
        switch object {
        case .fdb: types = ["fdb"]
        case .link: types = ["port-created", "port-deleted", "port-carrier-up", "port-carrier-down", "link-changed", "network-started", "network-stopped"]
        }
        let json = self.json
        try connection.client.followEvents(since: nil, network: network, types: types, limit: nil, timeout: timeout) { item in
            switch item {
            case .event(let event): POSIXIO.writeLine(json ? EventText.json(event) : EventText.monitorLine(event))
            case .dropped(let marker): POSIXIO.writeLine(json ? #"{"dropped":\#(marker.missed)}"# : "(\(marker.missed) changes dropped)")
            }
            return true
        }
    }
}

enum EventText {
    static func json(_ event: PatchbayEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func time(_ milliseconds: Int64) -> String {
        POSIXIO.localTime(milliseconds / 1000) + "." + String(String(1000 + milliseconds % 1000).dropFirst())
    }

    /// virsh's own line for network life-cycle events; the same shape for Patchbay's.
    static func virshLine(_ event: PatchbayEvent) -> String {
        switch event.type {
        case .networkDefined, .networkUndefined, .networkStarted, .networkStopped, .networkUpdated:
            return "event 'lifecycle' for network \(event.network ?? "?"): \(event.type.virshDetail)"
        default:
            let scope = event.network.map { " for network \($0)" } ?? ""
            let mark = event.severity == .warning ? " (warning)" : ""
            return "event '\(event.type.rawValue)'\(scope)\(mark): \(event.message)"
        }
    }

    /// `bridge monitor fdb`'s order (MAC, dev, then where), "Deleted" for entries that went.
    static func monitorLine(_ event: PatchbayEvent) -> String {
        let owner = event.owner.map { " owner \($0)" } ?? ""
        let network = event.network.map { " network \($0)" } ?? ""
        switch event.type {
        case .fdbLearned: return "\(event.mac ?? "?") dev \(event.device ?? "?")\(owner)\(network)"
        case .fdbAged: return "Deleted \(event.mac ?? "?") dev \(event.device ?? "?")\(owner)\(network)"
        case .fdbMoved: return "\(event.mac ?? "?") dev \(event.device ?? "?")\(owner)\(network) moved: \(event.message)"
        default: return "\(event.device ?? event.network ?? "?"): \(event.message)"
        }
    }
}
