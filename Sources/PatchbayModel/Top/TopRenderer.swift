/// `patchbay top`'s screen as lines of text, pure: the CLI only clears the terminal and writes
/// them. It fits `width` (the terminal's, from TIOCGWINSZ) by leaving out the columns a reader
/// can most easily do without, then shortening owners and ports, and never writes a line longer
/// than the terminal, which would wrap and scroll the header away.
public enum TopRenderer {
    public enum Column: String, Sendable, CaseIterable {
        case network = "NETWORK", port = "PORT", owner = "OWNER", mac = "MAC", ip = "IP"
        case rx = "RX/s", tx = "TX/s", drops = "DROPS", state = "STATE"

        var rightAligned: Bool { self == .rx || self == .tx || self == .drops }
    }

    /// The order columns are left out in when the terminal is too narrow: the MAC (the owner and
    /// port name the guest already), the network (the header names it), then the address, the
    /// drops and the state. Port, owner and the rates always stay.
    public static let droppable: [Column] = [.mac, .network, .ip, .drops, .state]

    /// The screen: a title line, one line per network with its DHCP and DNS rates, the latest
    /// `events` (from the event stream, already one line each), a blank line, the column heads
    /// and as many ports as `height` leaves room for (all when nil). `clock` is the time to
    /// show, formatted by the caller (local time is I/O).
    public static func render(_ frame: TopFrame, width: Int, height: Int? = nil, clock: String = "", sort: TopSort = .total,
                              events: [String] = []) -> [String] {
        let width = max(width, 20)
        let networkWord = frame.networks.count == 1 ? "network" : "networks"
        let portWord = frame.ports.count == 1 ? "port" : "ports"
        var title = "patchbay top"
        if !clock.isEmpty { title += " - \(clock)" }
        title += " - \(frame.networks.count) \(networkWord), \(frame.ports.count) \(portWord) - sorted by \(sort.rawValue)"
        if frame.intervalSeconds == nil { title += " - measuring..." }
        var lines = [title]
        for network in frame.networks {
            var line = "\(network.name): "
            if !network.active { line += "inactive" } else {
                line += "DHCP \(rate(network.dhcpRequestsPerSecond)) req/s  DNS \(rate(network.dnsQueriesPerSecond)) q/s"
                line += "  (\(network.dhcpRequests) requests, \(network.dnsQueries) queries)"
            }
            lines.append(line)
        }
        lines += events.map { "event " + $0 }
        lines.append("")
        var rows = frame.ports
        if let height { rows = Array(rows.prefix(max(0, height - lines.count - 1))) }
        lines += table(rows, width: width)
        return lines.map { clip($0, to: width) }
    }

    /// The table part of the screen: the heads and one line per port.
    public static func table(_ ports: [TopPort], width: Int) -> [String] {
        var columns = Column.allCases
        let cells = ports.map { port in columns.map { cell($0, port) } }
        var widths = columns.indices.map { i in max(columns[i].rawValue.count, cells.map { $0[i].count }.max() ?? 0) }
        func total() -> Int { widths.reduce(0, +) + 2 * max(0, widths.count - 1) }
        var kept = Array(columns.indices)
        for column in droppable where total() > width {
            guard let at = columns.firstIndex(of: column) else { continue }
            columns.remove(at: at)
            widths.remove(at: at)
            kept.remove(at: at)
        }
        // Still too wide: owners and ports give up characters, down to a few each.
        for shrinking in [Column.owner, .port] where total() > width {
            guard let at = columns.firstIndex(of: shrinking) else { continue }
            widths[at] = max(max(shrinking.rawValue.count, 5), widths[at] - (total() - width))
        }
        func line(_ values: [String]) -> String {
            var parts: [String] = []
            for (i, column) in columns.enumerated() {
                let text = shorten(values[i], to: widths[i])
                let pad = String(repeating: " ", count: widths[i] - text.count)
                parts.append(column.rightAligned ? pad + text : (i == columns.count - 1 ? text : text + pad))
            }
            return parts.joined(separator: "  ")
        }
        return [line(columns.map(\.rawValue))] + cells.map { row in line(kept.map { row[$0] }) }
    }

    static func cell(_ column: Column, _ port: TopPort) -> String {
        switch column {
        case .network: port.network
        case .port: port.device
        case .owner: port.owner
        case .mac: port.mac
        case .ip: port.ip ?? "-"
        case .rx: bits(port.rxBytesPerSecond)
        case .tx: bits(port.txBytesPerSecond)
        case .drops: port.drops.map(String.init) ?? "-"
        case .state: port.state
        }
    }

    /// A rate in bits per second with three significant digits and SI prefixes, as iftop shows
    /// it ("0b", "840b", "1.23Kb", "45.6Mb", "1.00Gb"); "-" when there is no rate yet.
    public static func bits(_ bytesPerSecond: Double?) -> String {
        guard let bytesPerSecond, bytesPerSecond.isFinite, bytesPerSecond >= 0 else { return "-" }
        var value = bytesPerSecond * 8
        if value < 999.5 { return "\(Int(value.rounded()))b" }
        for unit in ["Kb", "Mb", "Gb", "Tb", "Pb"] {
            value /= 1000
            let decimals = value < 9.995 ? 2 : (value < 99.95 ? 1 : 0)
            if value < 999.5 || unit == "Pb" { return fixed(value, decimals: decimals) + unit }
        }
        return "-"
    }

    /// Requests or queries per second with one decimal; "-" without a rate.
    public static func rate(_ perSecond: Double?) -> String {
        guard let perSecond, perSecond.isFinite, perSecond >= 0 else { return "-" }
        return fixed(perSecond, decimals: 1)
    }

    /// `value` rounded to `decimals` places, without Foundation's formatters.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard scaled.isFinite, abs(scaled) < 9.0e18 else { return "\(value)" }
        let whole = Int64(scaled)
        let negative = whole < 0
        let digits = String(negative ? -whole : whole)
        guard decimals > 0 else { return (negative ? "-" : "") + digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -decimals)
        return (negative ? "-" : "") + padded[..<point] + "." + padded[point...]
    }

    /// `text` in at most `width` characters, the last one a `~` when it was cut (ASCII, so every terminal counts it as one column).
    static func shorten(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return text.prefix(width - 1) + "~"
    }

    static func clip(_ line: String, to width: Int) -> String {
        line.count > width ? String(line.prefix(width)) : line
    }
}
