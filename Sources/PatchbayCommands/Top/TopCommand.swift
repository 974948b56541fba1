import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayClient
import PatchbayModel
import Synchronization

/// `patchbay top [NET]`: every port's traffic, refreshed each interval (iftop's and vnstat's
/// place on a Patchbay host): owner, MAC, leased IP, rx/tx rates, drops, STP or loop-guard state,
/// and each network's DHCP and DNS rates, busiest port first. It follows the daemon's counter
/// stream (one link dump per tick for all ports) and computes rates from consecutive samples;
/// `--once` measures one interval (two samples) and prints the table, or with `--json` the frame.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Live view of every port's traffic, drops and state, and each network's DHCP and DNS rates.",
        discussion: "Keys: q or Ctrl-C quits, s changes the order. Rates are the guest's: RX/s is what it received. --once --json is for scripts.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Only this network (default: every network).") var network: String?
    @Option(name: [.customShort("d"), .long], help: ArgumentHelp("Seconds between refreshes (0.1 to 3600).", valueName: "seconds"))
    var delay: Double = 1
    @Option(help: "Order of the ports: total (rx+tx), rx, tx (busiest first) or name.") var sort: SortOrder = .total
    @Flag(help: "Measure one interval, print the table once and exit.") var once = false
    @Flag(help: "With --once: print the frame as JSON (rates in bytes and packets per second).") var json = false

    /// `TopSort` as an argument (a type of the CLI's own, not a retroactive conformance).
    enum SortOrder: String, ExpressibleByArgument, CaseIterable {
        case total, rx, tx, name
        var model: TopSort { TopSort(rawValue: rawValue) ?? .total }
    }

    func validate() throws {
        guard delay >= 0.1, delay <= 3600 else { throw ValidationError("--delay must be a number of seconds from 0.1 to 3600") }
        if json && !once { throw ValidationError("--json goes with --once (the live view is for a terminal)") }
    }

    func run() async throws {
        let client = connection.client
        let sort = self.sort.model, network = self.network
        if once {
            var samples: [StatsSnapshot] = []
            try client.followStats(network: network, interval: delay, count: 2) { snapshot in
                samples.append(snapshot)
                return samples.count < 2
            }
            guard samples.count == 2 else {
                throw PatchbayError(.unavailable, "patchbayd ended the counter stream after \(samples.count) of 2 samples (is it stopping?)")
            }
            let frame = TopFrame(previous: samples[0], current: samples[1], sort: sort)
            if json {
                POSIXIO.writeLine(try JSONOutput.render(frame))
            } else {
                // Not a terminal (a pipe, a file): nothing to fit, nothing cut.
                let width = TerminalScreen.size()?.columns ?? 1000
                let lines = TopRenderer.render(frame, width: width, clock: POSIXIO.localTime(frame.time / 1000), sort: sort)
                POSIXIO.writeLine(lines.joined(separator: "\n"))
            }
            return
        }
        guard TerminalScreen.isInteractive else {
            throw PatchbayError(.invalidArgument, "top needs a terminal on its input and output; use --once (and --json) for scripts")
        }
        try TerminalScreen.enter()
        defer { TerminalScreen.leave() }
        // 's' steps through the orders; the next frame shows the new one.
        let order = Mutex(sort)
        TerminalScreen.readKeys { key in
            guard key == UInt8(ascii: "s") else { return }
            order.withLock { current in
                let all = TopSort.allCases
                current = all[((all.firstIndex(of: current) ?? 0) + 1) % all.count]
            }
        }
        let events = RecentEvents.follow(client, network: network)
        var previous: StatsSnapshot?
        try client.followStats(network: network, interval: delay, count: nil) { snapshot in
            let sort = order.withLock { $0 }
            let frame = TopFrame(previous: previous, current: snapshot, sort: sort)
            previous = snapshot
            let size = TerminalScreen.size() ?? (columns: 80, rows: 24)
            TerminalScreen.draw(TopRenderer.render(frame, width: size.columns, height: size.rows,
                                                   clock: POSIXIO.localTime(frame.time / 1000), sort: sort, events: events.lines))
            return true
        }
        // Only a daemon that stops ends an endless stream.
        throw PatchbayError(.unavailable, "patchbayd ended the counter stream (it is stopping)")
    }
}

/// The last few events of the network(s) on view, from the event stream, followed on a thread of
/// its own beside the counter stream: what changed (a port made or deleted, a lease, a loop
/// cut) is told as it happens, not inferred from two samples. Without the event stream (an
/// older daemon, an error) the view goes on without it.
final class RecentEvents: Sendable {
    static let kept = 3
    static let types = ["network", "port", "lease", "loop"]
    private let recent = Mutex<[String]>([])

    var lines: [String] { recent.withLock { $0 } }

    static func follow(_ client: PatchbayClient, network: String?) -> RecentEvents {
        let events = RecentEvents()
        TerminalScreen.detach {
            try? client.followEvents(since: nil, network: network, types: types, limit: nil, timeout: nil) { item in
                guard case .event(let event) = item else { return true }
                events.add(event)
                return true
            }
        }
        return events
    }

    func add(_ event: PatchbayEvent) {
        let clock = String(POSIXIO.localTime(event.time / 1000).suffix(8))
        let line = "\(clock) \(event.type.rawValue): \(event.message)"
        recent.withLock { lines in
            lines.append(line)
            if lines.count > Self.kept { lines.removeFirst(lines.count - Self.kept) }
        }
    }
}
