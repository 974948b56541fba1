/// virsh's table layout (vshTable): a header row and data rows, each starting with one space,
/// columns left-aligned and separated by three spaces, the last one unpadded, under the header a
/// dashed line of each column's width plus three, and an empty line after the last row.
struct VirshTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func append(_ row: String...) { rows.append(row) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                text += cell
                if i < cells.count - 1 { text += String(repeating: " ", count: widths[i] - cell.count + 3) }
            }
            return " " + text
        }
        let head = line(header)
        var out = head + "\n" + String(repeating: "-", count: widths.reduce(0) { $0 + $1 + 3 }) + "\n"
        for row in rows { out += line(row) + "\n" }
        return out + "\n"
    }
}

/// virsh's "Label:   value" layout (`%-15s %s`), used by net-info.
func virshField(_ label: String, _ value: String) -> String {
    let padded = label.count < 15 ? label + String(repeating: " ", count: 15 - label.count) : label
    return padded + " " + value
}

func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
